#!/usr/bin/env bash
# Independent client tooling for engine tests: kcat reads Kafka topics without going through kafkajs,
# so a test can check what the relay really wrote. Installs Debian's kcat when it is missing.
set -euo pipefail

if command -v kcat >/dev/null; then
  echo "[engines] kcat present: $(command -v kcat)" >&2
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "[engines] kcat is missing and installing it needs root (apt-get install kcat)" >&2
  exit 1
fi
echo "[engines] installing kcat from Debian's packages" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null
command -v kcat >/dev/null
echo "[engines] kcat installed: $(command -v kcat)" >&2
