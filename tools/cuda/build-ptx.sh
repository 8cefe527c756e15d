#!/usr/bin/env bash
# Regenerates the PTX that the CUDA backend loads at run time from the kernels' CUDA C sources:
#   lib/src/main/cuda/*.cu  ->  lib/src/main/resources/dev/vtrain/backend/cuda/*.ptx
# PTX for compute_75 (the oldest architecture CUDA 13 targets); the driver compiles it for the GPU
# it runs on. Needs nvcc (no GPU). The PTX is committed, so building vtrain never needs nvcc;
# CudaSourcesTest fails when the committed PTX and this script's output differ under the same nvcc.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/lib/src/main/cuda"
out="$root/lib/src/main/resources/dev/vtrain/backend/cuda"
nvcc="${NVCC:-nvcc}"
mkdir -p "$out"
for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    "$nvcc" -arch=compute_75 --ptx -o "$out/$name.ptx" "$cu"
    echo "$out/$name.ptx"
done
