#!/usr/bin/env bash
# Stops the local test engines started by up.sh: `down.sh [kafka|ferretdb]...` (default: both).
# TERM first, KILL after a bounded wait; stopping an engine that is not running is not an error.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/engines-config.sh"

stop_engine() {
  local name="$1" pid pid_file deadline
  case "$name" in
    kafka) pid_file="$KAFKA_HOME/kafka.pid" ;;
    ferretdb) pid_file="$MONGO_HOME/mongo.pid" ;;
  esac
  if ! pid="$(engine_pid "$name")"; then
    rm -f "$pid_file"
    log "$name is not running"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + ENGINE_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within ${ENGINE_STOP_TIMEOUT}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  fi
  rm -f "$pid_file"
  log "$name stopped"
}

targets="$(parse_targets "$@")"
for target in $targets; do
  stop_engine "$target"
done
[[ -d "$ENGINES_DIR" ]] && write_env_file
exit 0
