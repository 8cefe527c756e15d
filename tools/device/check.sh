#!/usr/bin/env bash
# The CUDA backend's check on a machine with an NVIDIA GPU but no JDK and no network, in well
# under 5 minutes. Needs .device/ from tools/device/prepare.sh (a Java runtime, the CLI jar, the
# CUDA tests, the JUnit console launcher). Prints, in order:
#   1. the GPU (nvidia-smi) and the CUDA start-up probe, step by step (vtrain info);
#   2. the CUDA tests (dev.vtrain.backend.cuda): every op against the scalar reference, training
#      trajectories against the CPU, zero host allocation per step, device memory flat over 10,000
#      steps and 1,000 model and backend cycles, model files between GPU and CPU;
#   3. digits training, an MLP and a conv net, on the GPU and on the CPU (accuracy and epoch times
#      side by side);
#   4. training-step times on the GPU (vtrain bench --device cuda) and the same steps in PyTorch
#      eager on the same GPU (bench/python/train_step_gpu.py), when python3 has torch.
# Writes everything to $OUT/check.log as well when $OUT is set. Usage: tools/device/check.sh
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
d="$root/.device"
log="${OUT:-/tmp}/check.log"
: >"$log"
say() { printf '\n=== %s\n' "$*" | tee -a "$log"; }
[ -x "$d/jre/bin/java" ] || { echo "check: $d/jre missing: run tools/device/prepare.sh first" >&2; exit 1; }
java=("$d/jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
# cuBLAS: the CUDA toolkit's, else a Python wheel's (found once, passed on as -Dvtrain.cuda.path).
cublas=$(ls /usr/local/cuda/lib64/libcublas.so.1[23] 2>/dev/null | head -1)
[ -n "$cublas" ] || cublas=$(find /usr /opt -name 'libcublas.so.1[23]' 2>/dev/null | head -1)
props=()
[ -n "$cublas" ] && props+=("-Dvtrain.cuda.path=$(dirname "$cublas")")
vt() { "${java[@]}" "${props[@]}" -jar "$d/vtrain.jar" "$@" 2>&1 | tee -a "$log"; }

say "GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee -a "$log"
say "vtrain info (CUDA probe)"
vt info --no-probe
say "CUDA tests"
(cd "$root/lib" && timeout 240 "${java[@]}" "${props[@]}" -jar "$d/junit-platform-console-standalone.jar" \
  execute --class-path "$d/vtrain.jar:$d/tests" --scan-classpath "$d/tests" \
  --details=tree --disable-banner --disable-ansi-colors 2>&1 | tee -a "$log")
cnn="conv2d(16,3,padding=1),batchnorm2d,relu,maxpool2d(2),residual(conv2d(16,3,padding=1,bias=False),batchnorm2d,relu),flatten,linear(10)"
for dev in cuda cpu; do
  say "digits MLP on $dev"
  vt train --device $dev --epochs 20 --seed 0
  say "digits conv net on $dev"
  vt train --device $dev --model "$cnn" --optimizer adam --lr 0.003 --epochs 5 --seed 0
done
say "training steps on the GPU: vtrain"
vt bench --device cuda --only steps --seconds 1
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  say "training steps on the GPU: PyTorch eager"
  python3 "$root/bench/python/train_step_gpu.py" 2>&1 | tee -a "$log"
fi
say "done"
