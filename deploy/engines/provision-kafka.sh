#!/usr/bin/env bash
# Downloads the Kafka broker's jars from Maven Central into .engines/kafka/lib, once per version.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/engines-config.sh"

marker="$KAFKA_LIB/.provisioned-$KAFKA_VERSION"
if [[ -f "$marker" ]]; then
  log "kafka $KAFKA_VERSION jars cached in $KAFKA_LIB"
  exit 0
fi

command -v java >/dev/null || { log "java not found (Java 17+ is needed)"; exit 1; }
command -v mvn >/dev/null || { log "mvn not found (Maven is needed to fetch the broker jars)"; exit 1; }

log "provisioning kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIB"
started=$SECONDS
# Copy into a scratch dir and swap it in, so an interrupted download never looks like a cache.
scratch="$KAFKA_HOME/lib.partial"
rm -rf "$scratch"
mkdir -p "$KAFKA_HOME"
mvn_log="$(dirname "$scratch")/provision.log"
if ! mvn -B -Dstyle.color=never -f "$ENGINES_SCRIPT_DIR/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$scratch" -DincludeScope=runtime > "$mvn_log" 2>&1; then
  log "maven could not fetch the jars; last lines of $mvn_log:"
  tail -n 30 "$mvn_log" >&2
  exit 1
fi
ls "$scratch"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null
rm -rf "$KAFKA_LIB"
mv "$scratch" "$KAFKA_LIB"
touch "$marker"
log "kafka jars ready ($(ls "$KAFKA_LIB" | wc -l) jars, $((SECONDS - started))s)"
