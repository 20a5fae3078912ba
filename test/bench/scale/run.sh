#!/usr/bin/env bash
# npm run bench:scale: raises the open-file limit (one descriptor per device connection on the
# hub) as far as allowed, then runs the scale benchmark. SCALE_SIZES=1000,5000 picks the sizes.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export FD_LIMIT="$(ulimit -n)"
exec node --import tsx test/bench/scale/main.ts "$@"
