#!/usr/bin/env bash
# Prints a Kafka cluster id the way `kafka-storage random-uuid` makes one (16 random bytes, URL-safe
# base64, unpadded), without a JVM; `kafka-cluster-id.sh N` prints N, one per line. Like Kafka's own
# Uuid.randomUuid, an id that starts with '-' is drawn again: `kafka-storage format -t -abc…` reads it
# as an option ("argument --cluster-id/-t: expected one argument"), which failed 1 start in 64.
set -euo pipefail

count="${1:-1}"
for ((n = 0; n < count; n++)); do
  id="-"
  while [[ "$id" == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  echo "$id"
done
