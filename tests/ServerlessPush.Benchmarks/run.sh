#!/usr/bin/env bash
# One command for the whole benchmark: builds in Release, then runs
#   micro  BenchmarkDotNet over the text/protobuf parsers and the text renderer (~3 min)
#   load   Azurite + gateway local host (separate process) + reference Pushgateway 1.5.1 (~10 min)
# and writes artifacts/benchmarks/results.md (plus load.md and micro.md). Paste the tables into
# docs/performance.md. Extra arguments go to the program, e.g.
#   tests/ServerlessPush.Benchmarks/run.sh load --put-seconds 5 --scrape-levels 1000,10000
# Needs: .NET 10 SDK, `npm ci` at the repository root (Azurite), and prometheus-pushgateway on PATH
# (apt-get install prometheus-pushgateway) or PUSHGATEWAY_BIN.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
export SERVERLESSPUSH_NODE_BIN="$ROOT/node_modules/.bin"
dotnet build -c Release tests/ServerlessPush.Benchmarks/ServerlessPush.Benchmarks.csproj -nologo -v q
if [[ $# -eq 0 ]]; then set -- all; fi
exec dotnet tests/ServerlessPush.Benchmarks/bin/Release/net10.0/ServerlessPush.Benchmarks.dll "$@"
