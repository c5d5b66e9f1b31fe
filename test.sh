#!/usr/bin/env bash
# Builds and runs all tests: dotnet test ServerlessPush.sln -c Release, TRX results in test-output/.
#   ./test.sh                                   everything
#   ./test.sh --filter "FullyQualifiedName~Grouping"   extra args go to dotnet test
#   ./test.sh --fast                            only the unit tests that need no external tool
#                                               (tests/ServerlessPush.Core.Tests: parser, writers and the
#                                               gateway services over the in-memory store; seconds once built)
#   TEST_RESULTS_DIR=/tmp/r ./test.sh           TRX results elsewhere (default: test-output/)
# Does not start any server itself: test fixtures (tests/ServerlessPush.Testing) start Azurite,
# the reference Pushgateway and Prometheus on free loopback ports and stop them by PID.
# Fixtures find the npm tools through SERVERLESSPUSH_NODE_BIN (exported here), else <repo>/node_modules/.bin.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

RESULTS="${TEST_RESULTS_DIR:-$ROOT/test-output}"

if [[ "${1:-}" == "--fast" ]]; then
  shift
  rm -rf "$RESULTS"
  mkdir -p "$RESULTS"
  echo "test.sh: unit tests only (tests/ServerlessPush.Core.Tests)" >&2
  dotnet test tests/ServerlessPush.Core.Tests -c Release --logger trx --results-directory "$RESULTS" "$@"
  exit $?
fi

# Fail early, with the reason, on a missing or too old Node (the fixtures start Azurite with it).
command -v node >/dev/null || { echo "test.sh: 'node' not found; install Node 20 or later (with npm)." >&2; exit 1; }
if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "test.sh: Node $(node --version) is too old; Azurite and the npm tools need Node 20 or later." >&2
  exit 1
fi

if [[ ! -d node_modules ]]; then
  echo "test.sh: installing npm tools (npm ci, once)..." >&2
  npm ci --no-audit --no-fund || exit 1
fi
export SERVERLESSPUSH_NODE_BIN="$ROOT/node_modules/.bin"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# No LogFileName: with several test projects one fixed name would be overwritten; each project
# writes its own uniquely named .trx into $RESULTS.
dotnet test ServerlessPush.sln -c Release --logger trx --results-directory "$RESULTS" "$@"
rc=$?
exit "$rc"
