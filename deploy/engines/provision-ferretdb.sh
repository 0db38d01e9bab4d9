#!/usr/bin/env bash
# Builds FerretDB from the Go module proxy into .engines/ferretdb/bin, once per version.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/engines-config.sh"

if [[ -x "$FERRETDB_BIN" ]]; then
  log "ferretdb $FERRETDB_VERSION binary cached at $FERRETDB_BIN"
  exit 0
fi

command -v go >/dev/null || { log "go not found (the Go toolchain is needed to build FerretDB)"; exit 1; }

log "building ferretdb $FERRETDB_VERSION from the Go module proxy"
started=$SECONDS
# The module cache is read-only and a plain `go install` panics at start ("Invalid
# build/version/version.txt"), so build from a writable copy with the version file filled in.
download="$(go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>&1)" || true
module_dir="$(sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}$/\1/p' <<<"$download")"
if [[ -z "$module_dir" || ! -d "$module_dir" ]]; then
  log "go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed:"
  printf '%s\n' "$download" >&2
  exit 1
fi

src="$FERRETDB_HOME/src"
rm -rf "$src"
mkdir -p "$FERRETDB_HOME/bin"
cp -R "$module_dir" "$src"
chmod -R u+w "$src"
printf '%s\n' "$FERRETDB_VERSION" > "$src/build/version/version.txt"

if ! (cd "$src" && go build -o "$FERRETDB_BIN.partial" ./cmd/ferretdb); then
  log "go build of $FERRETDB_MODULE@$FERRETDB_VERSION failed (compiler output above)"
  exit 1
fi
mv "$FERRETDB_BIN.partial" "$FERRETDB_BIN"
rm -rf "$src"
log "ferretdb binary ready ($((SECONDS - started))s)"
