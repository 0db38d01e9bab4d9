# Paths, versions and ports of the local test engines; sourced by the other scripts in this folder.
# Every value can be overridden from the environment (e.g. KAFKA_PORT=29092 bash up.sh).

ENGINES_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$ENGINES_SCRIPT_DIR/../.." && pwd)"
ENGINES_DIR="${ENGINES_DIR:-$REPO_ROOT/.engines}"
# Where provisioned artifacts (Kafka jars, the FerretDB binary) are cached. Defaults to ENGINES_DIR;
# a test that runs private engines (other ports, other ENGINES_DIR) points it at the shared cache.
ENGINES_CACHE_DIR="${ENGINES_CACHE_DIR:-$ENGINES_DIR}"
# 1: start with the data of the previous run (an engine restart); default: fresh data every start.
ENGINES_KEEP_DATA="${ENGINES_KEEP_DATA:-0}"

KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xmx768m}"
KAFKA_HOME="$ENGINES_DIR/kafka"
KAFKA_LIB="$ENGINES_CACHE_DIR/kafka/lib"
# Must match <kafka.version> in pom.xml: it names the cache marker, so a version bump re-provisions.
KAFKA_VERSION="3.9.2"

# The MongoDB-wire engine (target name `ferretdb`): FerretDB with its SQLite handler, and nothing
# else. If it cannot be provisioned, up.sh fails with the error; it never swaps in another server.
MONGO_PORT="${MONGO_PORT:-27018}"
MONGO_HOME="$ENGINES_DIR/mongo"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
FERRETDB_VERSION="v1.24.2"
FERRETDB_HOME="$ENGINES_CACHE_DIR/ferretdb"
FERRETDB_BIN="$FERRETDB_HOME/bin/ferretdb-$FERRETDB_VERSION"

# Bounded waits, in seconds.
ENGINE_START_TIMEOUT="${ENGINE_START_TIMEOUT:-90}"
ENGINE_STOP_TIMEOUT="${ENGINE_STOP_TIMEOUT:-20}"

log() { printf '[engines] %s\n' "$*" >&2; }

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no extra tools).
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the PID in $1 if that process is alive.
live_pid() {
  local pid_file="$1" pid
  [[ -f "$pid_file" ]] || return 1
  pid="$(cat "$pid_file" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

# PID files are trusted only while the process still runs the engine we started (PIDs get reused).
engine_pid() {
  local name="$1" pid_file pattern pid
  case "$name" in
    kafka) pid_file="$KAFKA_HOME/kafka.pid"; pattern="kafka.Kafka" ;;
    ferretdb) pid_file="$MONGO_HOME/mongo.pid"; pattern="ferretdb" ;;
    *) return 1 ;;
  esac
  pid="$(live_pid "$pid_file")" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -Eq -- "$pattern" || return 1
  printf '%s\n' "$pid"
}

# engines.env lists the connection settings of the engines that are running now.
write_env_file() {
  local env_file="$ENGINES_DIR/engines.env"
  mkdir -p "$ENGINES_DIR"
  : > "$env_file.tmp"
  if engine_pid kafka >/dev/null; then
    printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$KAFKA_PORT" >> "$env_file.tmp"
  fi
  if engine_pid ferretdb >/dev/null; then
    printf 'MONGO_URL=mongodb://127.0.0.1:%s/\n' "$MONGO_PORT" >> "$env_file.tmp"
    # Which server answers MONGO_URL, so a test report can say what it ran against.
    printf 'MONGO_ENGINE=%s\n' "$(cat "$MONGO_HOME/engine" 2>/dev/null || echo unknown)" >> "$env_file.tmp"
    # FerretDB keeps each database in <MONGO_DATA_DIR>/<database>.sqlite: suites may scan the raw files.
    if grep -q '^ferretdb' "$MONGO_HOME/engine" 2>/dev/null; then
      printf 'MONGO_DATA_DIR=%s\n' "$MONGO_HOME/data" >> "$env_file.tmp"
    fi
  fi
  mv "$env_file.tmp" "$env_file"
}

# Targets named on the command line (kafka, ferretdb), or both.
parse_targets() {
  if [[ $# -eq 0 ]]; then
    printf '%s\n' kafka ferretdb
    return
  fi
  local target
  for target in "$@"; do
    case "$target" in
      kafka|ferretdb) printf '%s\n' "$target" ;;
      *) log "unknown engine '$target' (expected: kafka, ferretdb)"; return 1 ;;
    esac
  done
}
