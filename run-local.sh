#!/usr/bin/env bash
# Runs the gateway locally: Azurite (table service, in memory) + ServerlessPush.LocalHost.
#   ./run-local.sh                 gateway on http://127.0.0.1:9091
#   PORT=9191 ./run-local.sh       another gateway port
#   AZURITE_PORT=10002 ./run-local.sh   fixed Azurite port (default: a free one)
# Extra arguments are passed to the gateway after --urls.
# Needs the .NET 10 SDK and Node 20 or later. It builds the gateway first (dotnet build, with its
# progress shown: about a minute the first time, a few seconds afterwards), then runs the build.
# Ctrl-C (or SIGTERM) stops the gateway; Azurite is stopped (by PID) whenever this script exits.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

PROJECT=src/ServerlessPush.LocalHost
if [[ ! -d "$PROJECT" ]]; then
  echo "run-local.sh: $PROJECT does not exist yet." >&2
  exit 1
fi

# Fail early, with the reason, on a missing or too old tool (rather than deep in npm or dotnet).
command -v dotnet >/dev/null || { echo "run-local.sh: 'dotnet' not found; install the .NET 10 SDK." >&2; exit 1; }
command -v node >/dev/null || { echo "run-local.sh: 'node' not found; install Node 20 or later (with npm)." >&2; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "run-local.sh: Node $(node --version) is too old; Azurite and the npm tools need Node 20 or later." >&2
  exit 1
fi

if [[ ! -d node_modules ]]; then
  echo "run-local.sh: installing npm tools (npm ci, once)..." >&2
  npm ci --no-audit --no-fund
fi
AZURITE="$ROOT/node_modules/.bin/azurite-table"
[[ -x "$AZURITE" ]] || { echo "run-local.sh: $AZURITE missing; run 'npm ci'." >&2; exit 1; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

AZURITE_PORT="${AZURITE_PORT:-$(free_port)}"
GATEWAY_PORT="${PORT:-9091}"

azurite_pid=""
gateway_pid=""

# Signals a process and all its descendants (found through /proc), children first.
kill_tree() {
  local sig="$1" pid="$2" child
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    kill_tree "$sig" "$child"
  done
  kill "-$sig" "$pid" 2>/dev/null || true
}

cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$gateway_pid" ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill_tree TERM "$gateway_pid"
    wait "$gateway_pid" 2>/dev/null || true
  fi
  if [[ -n "$azurite_pid" ]] && kill -0 "$azurite_pid" 2>/dev/null; then
    echo "run-local.sh: stopping Azurite (pid $azurite_pid)" >&2
    kill_tree TERM "$azurite_pid"
    wait "$azurite_pid" 2>/dev/null || true
  fi
  [[ -z "${AZURITE_LOG:-}" ]] || rm -f "$AZURITE_LOG"
}
on_signal() {
  cleanup
  exit 130
}
trap cleanup EXIT
trap on_signal INT TERM

AZURITE_LOG="$(mktemp -t serverlesspush-azurite.XXXXXX.log)"  # shown if Azurite fails; removed on exit
echo "run-local.sh: starting Azurite table service on 127.0.0.1:$AZURITE_PORT" >&2
# Run from a temp dir so nothing Azurite might write lands in the repo.
(cd "${TMPDIR:-/tmp}" && exec "$AZURITE" --inMemoryPersistence --tableHost 127.0.0.1 --tablePort "$AZURITE_PORT" \
  --skipApiVersionCheck --loose --disableProductStyleUrl --disableTelemetry) >"$AZURITE_LOG" 2>&1 &
azurite_pid=$!

for _ in $(seq 1 300); do
  if ! kill -0 "$azurite_pid" 2>/dev/null; then
    echo "run-local.sh: Azurite exited early:" >&2
    cat "$AZURITE_LOG" >&2
    exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$AZURITE_PORT") 2>/dev/null; then
    break
  fi
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$AZURITE_PORT") 2>/dev/null || { echo "run-local.sh: Azurite did not listen within 30s" >&2; cat "$AZURITE_LOG" >&2; exit 1; }

# Azurite's public development account key (documented by Microsoft; not a secret).
export Gateway__Tables__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:${AZURITE_PORT}/devstoreaccount1;"
export Gateway__Tables__CreateTableIfMissing=true
# No keys locally: push and read open, and admin (wipe, delete by job) asked for explicitly.
export Gateway__Access__AllowAnonymous=true
export Gateway__Access__AllowAnonymousAdmin=true

echo "run-local.sh: building $PROJECT (first run: about a minute; afterwards a few seconds)" >&2
# In the background + wait, so INT/TERM reach this script's trap during the build too.
dotnet build "$PROJECT" -c Release -nologo -v minimal &
gateway_pid=$!
set +e
wait "$gateway_pid"
rc=$?
set -e
gateway_pid=""
(( rc == 0 )) || { echo "run-local.sh: the build failed (exit $rc)" >&2; exit "$rc"; }

echo "run-local.sh: starting gateway on http://127.0.0.1:$GATEWAY_PORT (ready when it logs 'Now listening')" >&2
dotnet run --no-build --project "$PROJECT" -c Release -- --urls "http://127.0.0.1:${GATEWAY_PORT}" "$@" &
gateway_pid=$!
set +e
wait "$gateway_pid"
rc=$?
set -e
gateway_pid=""
exit "$rc"
