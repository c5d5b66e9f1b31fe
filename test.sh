#!/usr/bin/env bash
# Builds and runs all tests: dotnet test ServerlessPush.sln -c Release, TRX results in test-output/.
#   ./test.sh                                   everything
#   ./test.sh --filter "FullyQualifiedName~Grouping"   extra args go to dotnet test
# Does not start any server itself: test fixtures (tests/ServerlessPush.Testing) start Azurite,
# the reference Pushgateway and Prometheus on free loopback ports and stop them by PID.
# Fixtures find the npm tools through SERVERLESSPUSH_NODE_BIN (exported here), else <repo>/node_modules/.bin.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

if [[ ! -d node_modules ]]; then
  echo "test.sh: installing npm tools (npm ci)..." >&2
  npm ci --no-audit --no-fund || exit 1
fi
export SERVERLESSPUSH_NODE_BIN="$ROOT/node_modules/.bin"

RESULTS="${TEST_RESULTS_DIR:-$ROOT/test-output}"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# No LogFileName: with several test projects one fixed name would be overwritten; each project
# writes its own uniquely named .trx into $RESULTS.
dotnet test ServerlessPush.sln -c Release --logger trx --results-directory "$RESULTS" "$@"
rc=$?
exit "$rc"
