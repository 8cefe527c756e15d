#!/usr/bin/env bash
# Issue acceptance: train 3 epochs on Fashion-MNIST with checkpoints, SIGKILL a second run during
# epoch 2, resume it, and compare the final weights with an uninterrupted run, bit for bit.
# Usage: tools/acceptance/kill-resume.sh [WORKDIR]   (needs Debian's dataset-fashion-mnist)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
rm -rf "$work/ckA" "$work/ckB"
flags=(train --data fashion-mnist --epochs 3 --checkpoint-every 300 --threads 2)
echo "uninterrupted run..."
"$root/vtrain" "${flags[@]}" --checkpoint-dir "$work/ckA" --save "$work/a.safetensors" >"$work/a.log" 2>&1
echo "run to be killed..."
"$root/vtrain" "${flags[@]}" --checkpoint-dir "$work/ckB" --save "$work/b.safetensors" >"$work/b.log" 2>&1 &
pid=$!
# Epoch 1 has 1688 batches of 32; wait for a checkpoint inside epoch 2 (1800 batches done), then kill.
until ls "$work/ckB" 2>/dev/null | grep -q 'checkpoint-0000000018'; do
  kill -0 "$pid" 2>/dev/null || { echo "run ended before it could be killed" >&2; exit 1; }
  sleep 0.02
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "killed (SIGKILL) with checkpoints: $(ls "$work/ckB" | tr '\n' ' ')"
"$root/vtrain" train --resume "$work/ckB" >"$work/resume.log" 2>&1
grep -E "^resum" "$work/resume.log"
/usr/bin/python3 - "$work/a.safetensors" "$work/b.safetensors" <<'PY'
import json, struct, sys
def tensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    return {k: data[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]] for k, v in header.items()}
a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
same = a.keys() == b.keys() and all(a[k] == b[k] for k in a)
print(("IDENTICAL" if same else "DIFFERENT") + f": {len(a)} tensors, {sum(len(v) for v in a.values())} bytes compared")
sys.exit(0 if same else 1)
PY
