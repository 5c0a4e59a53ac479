#!/usr/bin/env bash
# The one test command: installs what is missing, then builds, lints and tests every project
# (unit, service and NAT-lab tiers; the lab needs root). Ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
if ! bash tools/setup.sh; then
  echo "0 passed, 1 failed"
  exit 1
fi
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
node tools/run-tests.mjs "$@"
