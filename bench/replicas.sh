#!/usr/bin/env bash
# Replicas behind the gateway (issue 18): multi-turn conversations on shared system prompts, streamed through ApiService
# (no prompt cache) to 1, 2 and 4 Simulator replicas under each routing policy, then one of two replicas killed under
# load. Builds the Simulator, ApiService and the bench in Release, then runs the bench under a timeout; arguments go to
# the bench (--quick for about 2 minutes). Prints one table and writes bench/results/replicas-latest.md.
# A full run takes about 8 minutes; every phase is bounded and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

nice -n 19 dotnet build -c Release bench/ReplicaBench/ReplicaBench.csproj -nologo -v quiet >&2
exec timeout --signal=INT --kill-after=30 720 dotnet bench/ReplicaBench/bin/Release/net10.0/Aspire70B.ReplicaBench.dll "$@"
