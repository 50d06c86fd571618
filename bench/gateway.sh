#!/usr/bin/env bash
# The gateway's cost, side by side with the alternatives, in one run on loopback (issue 10).
# Installs what is missing (nginx and redis-server from Debian, Portkey from npm into bench/.deps, git-ignored),
# builds the Simulator, ApiService and the bench in Release, then runs the bench; arguments go to the bench
# (e.g. bench/gateway.sh --seconds 1 --repeats 1 --sustained 10 for a quick look). Prints one table and writes
# bench/results/latest.md. A full run takes about 10 minutes (15 with --sustained 300); every phase is bounded and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

PORTKEY_VERSION=1.15.2

if ! command -v nginx >/dev/null || ! command -v redis-server >/dev/null; then
  echo "installing nginx and redis-server (Debian packages)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx redis-server >/dev/null \
    || echo "could not install nginx/redis-server: those contenders will be reported as not run" >&2
fi

if [[ ! -f bench/.deps/node_modules/@portkey-ai/gateway/build/start-server.js ]]; then
  echo "installing @portkey-ai/gateway@$PORTKEY_VERSION into bench/.deps" >&2
  mkdir -p bench/.deps
  npm install --prefix bench/.deps --no-save --no-audit --no-fund "@portkey-ai/gateway@$PORTKEY_VERSION" >&2 \
    || echo "could not install Portkey: it will be reported as not run" >&2
fi

# dotnet-gcdump reads the live heap after a full GC in the sustained run (issue 17's "no growth" check).
if ! command -v dotnet-gcdump >/dev/null && [[ ! -x "$HOME/.dotnet/tools/dotnet-gcdump" ]]; then
  echo "installing dotnet-gcdump (dotnet global tool)" >&2
  dotnet tool install -g dotnet-gcdump --version 10.0.750501 >&2 \
    || echo "could not install dotnet-gcdump: the heap check will be reported as not run" >&2
fi

dotnet build -c Release bench/GatewayBench/GatewayBench.csproj -nologo -v quiet >&2
exec timeout --signal=INT --kill-after=30 1500 dotnet bench/GatewayBench/bin/Release/net10.0/Aspire70B.GatewayBench.dll "$@"
