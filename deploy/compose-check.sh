#!/usr/bin/env bash
# Parses and validates docker-compose.yml with Debian's docker-compose 1.29, which needs no Docker
# engine for `config` (installed here if missing, without docker.io). Interpolation needs no real
# secrets: the compose file reads them from files under deploy/secrets/, which `config` does not open.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
  echo "Installing Debian's docker-compose to validate docker-compose.yml"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
docker-compose -f docker-compose.yml config -q
echo "docker-compose config: ok ($(docker-compose version --short))"
