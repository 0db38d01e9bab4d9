#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser tests (driven by playwright-core, which
# downloads no browser of its own). Does nothing when /usr/bin/chromium is already there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
echo "Installing Debian's chromium for the console's browser tests"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
