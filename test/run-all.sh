#!/usr/bin/env bash
# The README's test command: type check, then unit, contract/integration and end-to-end suites.
# Engine suites (Kafka, MongoDB-wire) run against real servers that this script starts with the
# project's own engine scripts and stops afterwards. CHRONICLE_ENGINES=0 skips them; those suites
# then print one line each saying they skipped. Test data sets are fetched first (test/datasets/).
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsc -p tsconfig.json --noEmit
echo "typecheck: ok"
npx tsc -p apps/console/tsconfig.json --noEmit
npx depcruise libs apps --config .dependency-cruiser.js
bash deploy/compose-check.sh

engines_started=0
cleanup() {
  if [ "$engines_started" = 1 ]; then bash deploy/engines/down.sh || true; fi
}
trap cleanup EXIT

if [ "${CHRONICLE_ENGINES:-1}" != 0 ]; then
  bash deploy/engines/tools.sh
  bash deploy/engines/up.sh
  engines_started=1
  set -a
  # shellcheck disable=SC1091
  . .engines/engines.env
  set +a
fi

# The console's browser tests drive Debian's Chromium (installed here if missing, no browser download).
bash deploy/browser/install-chromium.sh
# The gateway suite runs deploy/gateway/nginx.conf in a real nginx (Debian's, installed here if missing).
bash deploy/gateway/install-nginx.sh

# The analytics suites fit their models on the CDNOW sample, taken once from the `lifetimes` wheel on
# PyPI into .engines/datasets; without PyPI this stops here with pip's error (they never skip).
bash test/datasets/fetch-cdnow.sh

# One worker per core; the e2e and engine suites use their own temp folders, topics and databases.
mkdir -p test-output
status=0
npx jest --ci --maxWorkers=2 --json --outputFile=test-output/jest-results.json "$@" || status=$?
# One plain closing line for CI: counts from Jest's own results.
node -e '
  const r = require("./test-output/jest-results.json");
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
