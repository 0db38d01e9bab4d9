#!/usr/bin/env bash
# Installs Debian's nginx for the gateway's end-to-end suite (test/e2e/gateway.e2e-spec.ts), which runs
# deploy/gateway/nginx.conf in front of real Chronicle processes. Does nothing when nginx is there.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi

if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
echo "Installing Debian's nginx for the gateway suite"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends nginx >/dev/null
