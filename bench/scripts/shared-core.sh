#!/usr/bin/env bash
# A service shares its cores: times vtrain's training steps on 1 and 2 threads while another
# process keeps one core busy (a shell busy-loop this script starts and stops), and prints the
# ratio of the 2-thread step to the 1-thread step per model. Target: never above 1.3.
# Usage: bench/scripts/shared-core.sh [seconds per figure, default 1]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-1}"
out="$(mktemp)"
trap 'kill "$busy" 2>/dev/null || true; rm -f "$out"' EXIT

bash -c 'while :; do :; done' &
busy=$!
sleep 0.5
"$root/vtrain" bench --only steps --threads 1,2 --seconds "$seconds" --json 2>/dev/null >"$out"
kill "$busy"
wait "$busy" 2>/dev/null || true

/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["train_step"]
by = {}
for r in rows:
    by.setdefault(r["model"], {})[r["threads"]] = r["us_per_step"]
print("with one core kept busy by another process:")
print(f"{'model':22} {'1 thread µs':>12} {'2 threads µs':>13} {'2t / 1t':>8}")
for model, t in by.items():
    print(f"{model:22} {t[1]:12.1f} {t[2]:13.1f} {t[2] / t[1]:8.2f}")
PY
