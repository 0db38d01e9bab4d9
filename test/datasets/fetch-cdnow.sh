#!/usr/bin/env bash
# Test setup: the CDNOW sample (2,357 customers' purchases, Jan 1997 – Jun 1998; Fader, Hardie & Lee),
# as the `lifetimes` package ships it on PyPI (lifetimes/datasets/CDNOW_sample.txt in its wheel).
# Downloads the wheel once with pip, extracts the file into a git-ignored cache
# ($CHRONICLE_DATASETS_DIR, default .engines/datasets) and checks its SHA-256. Fails loudly, with
# pip's own error, when PyPI cannot be reached: the analytics suites need the data and never skip.
set -euo pipefail
cd "$(dirname "$0")/../.."

LIFETIMES_VERSION=0.11.3
SAMPLE_SHA256=6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a
DATASETS_DIR="${CHRONICLE_DATASETS_DIR:-$PWD/.engines/datasets}"
TARGET="$DATASETS_DIR/cdnow/CDNOW_sample.txt"

if [ -f "$TARGET" ] && echo "$SAMPLE_SHA256  $TARGET" | sha256sum -c --status; then
  echo "datasets: CDNOW sample cached at $TARGET"
  exit 0
fi

# pip is the client that fetches from PyPI; a bare CI image (Debian) may lack it: install Debian's.
if ! python3 -m pip --version >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
  echo "datasets: installing Debian's python3-pip to fetch the CDNOW sample from PyPI"
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends python3 python3-pip >/dev/null; }; then
    echo "datasets: FAILED: python3 with pip is needed to fetch the CDNOW sample from PyPI, and apt-get could not install it" >&2
    exit 1
  fi
fi

mkdir -p "$DATASETS_DIR/cdnow"
# A folder of this run's own: two suites fetching at once must not write the same files.
WORK="$(mktemp -d "$DATASETS_DIR/cdnow/fetch.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
WHEELS="$WORK/wheel"
mkdir -p "$WHEELS"
LOG="$WORK/pip-download.log"
if ! python3 -m pip download "lifetimes==$LIFETIMES_VERSION" --no-deps --only-binary=:all: --disable-pip-version-check -d "$WHEELS" >"$LOG" 2>&1; then
  echo "datasets: FAILED to download lifetimes==$LIFETIMES_VERSION from PyPI, which ships the CDNOW sample the analytics tests need." >&2
  echo "datasets: pip said:" >&2
  cat "$LOG" >&2
  exit 1
fi

WHEEL="$(ls "$WHEELS"/[Ll]ifetimes-"$LIFETIMES_VERSION"-*.whl | head -n 1)"
EXTRACTED="$WORK/CDNOW_sample.txt"
python3 - "$WHEEL" "$EXTRACTED" <<'PY'
import sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive, open(target, "wb") as out:
    out.write(archive.read("lifetimes/datasets/CDNOW_sample.txt"))
PY

if ! echo "$SAMPLE_SHA256  $EXTRACTED" | sha256sum -c --status; then
  echo "datasets: FAILED: CDNOW_sample.txt from $(basename "$WHEEL") does not have the expected SHA-256 $SAMPLE_SHA256" >&2
  exit 1
fi
# Renamed into place: a reader sees the whole file or none.
mv -f "$EXTRACTED" "$TARGET"
echo "datasets: CDNOW sample extracted from $(basename "$WHEEL") to $TARGET"
