#!/usr/bin/env bash
# The one-command local WireKube mesh (as root): `sudo bash tools/demo.sh` sets up dependencies,
# builds the apps and runs the demo until Ctrl-C. `--once` exits after printing (exit 0 = every
# pair pings); `down` removes a demo left behind by a crashed run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "demo: needs root (network namespaces, nftables, WireGuard): sudo bash tools/demo.sh" >&2
  exit 1
fi
if [ "${1:-}" = down ]; then
  exec npx tsx e2e/src/demo/main.ts down
fi
bash tools/setup.sh
NX_DAEMON=false npx nx run-many -t build -p agent,relay,stun-probe,gateway-controller,kube-api-app,wirekubectl --outputStyle=static
exec npx tsx e2e/src/demo/main.ts "$@"
