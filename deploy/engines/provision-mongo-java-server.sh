#!/usr/bin/env bash
# Fallback MongoDB-wire server: downloads mongo-java-server's jars from Maven Central into
# .engines/mongo-java-server/lib, once per version. Used only when FerretDB cannot be built.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/engines-config.sh"

marker="$MONGO_JAVA_SERVER_LIB/.provisioned-$MONGO_JAVA_SERVER_VERSION"
if [[ -f "$marker" ]]; then
  log "mongo-java-server $MONGO_JAVA_SERVER_VERSION jars cached in $MONGO_JAVA_SERVER_LIB"
  exit 0
fi

command -v java >/dev/null || { log "java not found (Java 17+ is needed)"; exit 1; }
command -v mvn >/dev/null || { log "mvn not found (Maven is needed to fetch mongo-java-server)"; exit 1; }

log "provisioning mongo-java-server $MONGO_JAVA_SERVER_VERSION jars from Maven Central"
started=$SECONDS
scratch="$MONGO_JAVA_SERVER_LIB.partial"
rm -rf "$scratch"
mkdir -p "$(dirname "$MONGO_JAVA_SERVER_LIB")"
mvn_log="$(dirname "$scratch")/provision.log"
if ! mvn -B -Dstyle.color=never -f "$ENGINES_SCRIPT_DIR/mongo-java-server/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$scratch" -DincludeScope=runtime > "$mvn_log" 2>&1; then
  log "maven could not fetch the jars; last lines of $mvn_log:"
  tail -n 30 "$mvn_log" >&2
  exit 1
fi
ls "$scratch"/mongo-java-server-memory-backend-"$MONGO_JAVA_SERVER_VERSION".jar >/dev/null
rm -rf "$MONGO_JAVA_SERVER_LIB"
mv "$scratch" "$MONGO_JAVA_SERVER_LIB"
touch "$marker"
log "mongo-java-server jars ready ($(ls "$MONGO_JAVA_SERVER_LIB" | wc -l) jars, $((SECONDS - started))s)"
