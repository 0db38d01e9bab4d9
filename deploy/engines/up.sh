#!/usr/bin/env bash
# Starts real test engines without Docker: `up.sh [kafka|ferretdb]...` (default: both); `ferretdb` is
# the MongoDB-wire server, FerretDB only: if it cannot be provisioned this script fails with the error.
# Provisions what is missing (cached in .engines/), starts each engine on loopback with fresh data,
# waits until it answers, then writes .engines/engines.env (KAFKA_BROKERS, MONGO_URL) and prints it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/engines-config.sh"

fail_with_log() {
  local message="$1" log_file="$2"
  log "$message"
  if [[ -f "$log_file" ]]; then
    log "last lines of $log_file:"
    tail -n 40 "$log_file" >&2
  fi
  exit 1
}

# Fresh state for every run: tests need a clean slate. The previous log is kept as *.prev.
reset_dirs() {
  local log_file="$1"; shift
  [[ -f "$log_file" ]] && mv -f "$log_file" "$log_file.prev"
  # A restart (ENGINES_KEEP_DATA=1) keeps the data, as a broker or database restarted in place does.
  if [[ "$ENGINES_KEEP_DATA" != 1 ]]; then rm -rf "$@"; fi
  mkdir -p "$@"
}

ensure_port_free() {
  local name="$1" port="$2"
  if port_open "$port"; then
    log "port $port is already in use by another process; $name cannot start (set a different port, see engines-config.sh)"
    exit 1
  fi
}

# Polls until the probe succeeds; fails early if the engine exits, late when the timeout passes
# (then the half-started engine is stopped, so no stray process holds the port).
wait_until_ready() {
  local target="$1" label="$2" pid="$3" port="$4" log_file="$5" probe="$6" deadline=$((SECONDS + ENGINE_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || fail_with_log "$label exited during start-up" "$log_file"
    if port_open "$port" && "$probe"; then
      return 0
    fi
    sleep 0.5
  done
  bash "$ENGINES_SCRIPT_DIR/down.sh" "$target"
  fail_with_log "$label did not answer on 127.0.0.1:$port within ${ENGINE_START_TIMEOUT}s" "$log_file"
}

# A metadata request that lists at least one broker: the port alone opens before KRaft has elected.
probe_kafka() {
  (cd "$REPO_ROOT" && timeout 15 node -e '
    const { Kafka, logLevel } = require("kafkajs");
    const admin = new Kafka({
      clientId: "engines-up", brokers: [process.argv[1]], logLevel: logLevel.NOTHING,
      connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 0 },
    }).admin();
    admin.connect()
      .then(() => admin.describeCluster())
      .then((cluster) => admin.disconnect().then(() => process.exit(cluster.brokers.length > 0 ? 0 : 1)))
      .catch(() => process.exit(1));
  ' "127.0.0.1:$KAFKA_PORT") >/dev/null 2>&1
}

probe_mongo() {
  (cd "$REPO_ROOT" && timeout 15 node -e '
    const { MongoClient } = require("mongodb");
    const client = new MongoClient(process.argv[1], { serverSelectionTimeoutMS: 2000 });
    client.connect()
      .then(() => client.db("admin").command({ ping: 1 }))
      .then((reply) => client.close().then(() => process.exit(reply.ok === 1 ? 0 : 1)))
      .catch(() => process.exit(1));
  ' "mongodb://127.0.0.1:$MONGO_PORT/") >/dev/null 2>&1
}

start_kafka() {
  bash "$ENGINES_SCRIPT_DIR/provision-kafka.sh"
  bash "$ENGINES_SCRIPT_DIR/down.sh" kafka
  ensure_port_free kafka "$KAFKA_PORT"
  ensure_port_free kafka "$KAFKA_CONTROLLER_PORT"

  local log_file="$KAFKA_HOME/kafka.log" data="$KAFKA_HOME/data" props="$KAFKA_HOME/server.properties"
  local log4j="-Dlog4j.configuration=file:$ENGINES_SCRIPT_DIR/kafka-log4j.properties"
  reset_dirs "$log_file" "$data"
  cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=6
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS

  local cluster_id
  cluster_id="$(bash "$(dirname "${BASH_SOURCE[0]}")/kafka-cluster-id.sh")"
  # A restart on kept data runs on its existing cluster id: formatting again would name another.
  if [[ "$ENGINES_KEEP_DATA" != 1 || ! -f "$data/meta.properties" ]]; then
    java "$log4j" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$props" --ignore-formatted >> "$log_file" 2>&1 \
      || fail_with_log "kafka storage format failed" "$log_file"
  fi

  log "starting kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
  # setsid: the broker outlives this script and the shell's job control.
  setsid nohup java $KAFKA_HEAP "$log4j" -cp "$KAFKA_LIB/*" kafka.Kafka "$props" \
    >> "$log_file" 2>&1 < /dev/null &
  local pid=$!
  printf '%s\n' "$pid" > "$KAFKA_HOME/kafka.pid"
  local started=$SECONDS
  wait_until_ready kafka kafka "$pid" "$KAFKA_PORT" "$log_file" probe_kafka
  log "kafka ready (pid $pid, $((SECONDS - started))s)"
}

# The MongoDB-wire engine: FerretDB with the SQLite handler. No stand-in: a kinder server hid a
# data-loss bug once, so a FerretDB that cannot be provisioned fails the run with its error.
start_ferretdb() {
  bash "$ENGINES_SCRIPT_DIR/down.sh" ferretdb
  ensure_port_free ferretdb "$MONGO_PORT"

  local log_file="$MONGO_HOME/mongo.log" data="$MONGO_HOME/data" state="$MONGO_HOME/state"
  if ! bash "$ENGINES_SCRIPT_DIR/provision-ferretdb.sh"; then
    log "FerretDB $FERRETDB_VERSION could not be provisioned (error above); no MongoDB-wire server started"
    exit 1
  fi
  reset_dirs "$log_file" "$data" "$state"

  log "starting ferretdb $FERRETDB_VERSION (sqlite handler) on 127.0.0.1:$MONGO_PORT"
  printf 'ferretdb-%s\n' "$FERRETDB_VERSION" > "$MONGO_HOME/engine"
  # secure_delete zeroes what deleted or overwritten documents held, and journal_size_limit(0)
  # truncates the WAL when a checkpoint resets it: a forget's scrub leaves no stale copy in the
  # engine's files (the privacy e2e scans them; MONGO_DATA_DIR in engines.env tells it where).
  setsid nohup "$FERRETDB_BIN" \
    --handler=sqlite --sqlite-url="file:$data/?_pragma=secure_delete(1)&_pragma=journal_size_limit(0)" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$state" \
    --debug-addr=- --telemetry=disable --log-level=warn \
    >> "$log_file" 2>&1 < /dev/null &
  local pid=$!
  printf '%s\n' "$pid" > "$MONGO_HOME/mongo.pid"
  local started=$SECONDS
  wait_until_ready ferretdb "ferretdb $FERRETDB_VERSION" "$pid" "$MONGO_PORT" "$log_file" probe_mongo
  log "ferretdb $FERRETDB_VERSION ready (pid $pid, $((SECONDS - started))s)"
}

# The probes ask the engines through the project's own clients (kafkajs, mongodb): without them every
# probe fails and a healthy engine would be reported as not answering.
require_clients() {
  (cd "$REPO_ROOT" && node -e 'require.resolve("kafkajs"); require.resolve("mongodb")') >/dev/null 2>&1 && return 0
  log "the engines are probed with the project's kafkajs and mongodb packages, which are not installed in $REPO_ROOT: run 'npm ci' first"
  exit 1
}

targets="$(parse_targets "$@")"
require_clients
mkdir -p "$KAFKA_HOME" "$MONGO_HOME"
# Whatever happens, engines.env lists exactly the engines that are running when this script ends.
trap write_env_file EXIT
for target in $targets; do
  "start_$target"
done
write_env_file
cat "$ENGINES_DIR/engines.env"
