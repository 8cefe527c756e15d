#!/usr/bin/env bash
# Issue acceptance: hostile or mistaken inputs through every command. Each must give exactly one
# error line on standard error ("vtrain: ...", naming what was expected and what was found) or
# the expected warning, the documented exit code (2 usage error, 1 anything else), no stack
# trace, no hang, and must leave no output file lost or half-written (an existing output keeps
# its bytes; no temporary file is left behind).
# Usage: tools/acceptance/hostile-inputs.sh [WORKDIR]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
V="$root/vtrain"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cd "$work" || exit 1
pass=0
fail=0

# check NAME CODE SUBSTRING -- ARGS...: runs vtrain ARGS, expects exit CODE and one error line
# containing SUBSTRING (warnings, "vtrain: warning: ...", may come before it).
check() {
  local name="$1" code="$2" want="$3"
  shift 4
  local err rc lines
  # Standard error is read through a pipe, so the launcher's filter has finished writing it.
  timeout 120 "$V" "$@" 2>&1 >/dev/null | cat >"$work/.err"
  rc=${PIPESTATUS[0]}
  err=$(grep -v '^vtrain: warning: ' "$work/.err")
  lines=$(printf '%s' "$err" | grep -c '' || true)
  local why=""
  [ "$rc" = 124 ] && why="hung (killed after 120 s)"
  [ -z "$why" ] && [ "$rc" != "$code" ] && why="exit $rc, expected $code"
  [ -z "$why" ] && [ "$lines" != 1 ] && why="$lines error lines, expected 1"
  [ -z "$why" ] && ! grep -q '^vtrain: ' <<<"$err" && why="the error line does not start with 'vtrain: '"
  [ -z "$why" ] && grep -qE '^\s+at |Exception in thread|\.java:[0-9]+\)' "$work/.err" && why="a stack trace"
  [ -z "$why" ] && ! grep -qF -- "$want" <<<"$err" && why="no '$want' in the message"
  if [ -z "$why" ]; then
    pass=$((pass + 1))
    printf 'ok   %-46s exit %s  %s\n' "$name" "$rc" "$(head -c 150 <<<"$err")"
  else
    fail=$((fail + 1))
    printf 'FAIL %-46s %s\n     stderr: %s\n' "$name" "$why" "$(head -c 400 "$work/.err")"
  fi
}

# works NAME SUBSTRING -- ARGS...: runs vtrain ARGS, expects exit 0 and SUBSTRING in its output
# (standard output and error together), and no stack trace.
works() {
  local name="$1" want="$2"
  shift 3
  local rc
  timeout 300 "$V" "$@" >"$work/.out" 2>&1 && rc=0 || rc=$?
  local why=""
  [ "$rc" != 0 ] && why="exit $rc, expected 0"
  [ -z "$why" ] && grep -qE '^\s+at |Exception in thread' "$work/.out" && why="a stack trace"
  [ -z "$why" ] && ! grep -qF -- "$want" "$work/.out" && why="no '$want' in the output"
  if [ -z "$why" ]; then
    pass=$((pass + 1))
    printf 'ok   %-46s %s\n' "$name" "$(grep -F -m1 -- "$want" "$work/.out" | head -c 150)"
  else
    fail=$((fail + 1))
    printf 'FAIL %-46s %s\n     output: %s\n' "$name" "$why" "$(tail -c 400 "$work/.out")"
  fi
}

# unchanged FILE SUM NAME: the existing output FILE still has checksum SUM
unchanged() {
  if [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; then
    pass=$((pass + 1)); printf 'ok   %-46s %s kept its bytes\n' "$3" "$1"
  else
    fail=$((fail + 1)); printf 'FAIL %-46s %s was changed\n' "$3" "$1"
  fi
}

echo "fixtures in $work"
"$V" train --epochs 2 --save good.safetensors --checkpoint-dir ck >/dev/null 2>&1 || { echo "cannot train the fixture model"; exit 1; }
printf 'a,b,c,class\n' >iris.csv
for i in $(seq 1 60); do
  printf '%d.%d,%d.%d,%d.%d,%s\n' $((i % 7)) $((i % 10)) $((i % 5)) $((i % 3)) $((i % 4)) $((i % 9)) \
    "$( [ $((i % 3)) = 0 ] && echo red || ([ $((i % 3)) = 1 ] && echo green || echo blue))" >>iris.csv
done
"$V" train --data iris.csv --epochs 2 --save iris.safetensors >/dev/null 2>&1 || { echo "cannot train the CSV model"; exit 1; }
printf 'b,a,class\n1,2,red\n' >missing-col.csv
printf 'a,b,c,class\n1,2,3,purple\n' >unknown-class.csv
printf 'a,b,c,class\n1,2,3\n4,5,6,red\n' >ragged.csv
printf 'a,b,c,class\n1,two,3,red\n4,5,6,blue\n' >text-feature.csv
printf 'a,b,c,class\n1,2,3,red\n4,5,6,\n' >empty-label.csv
printf 'a,b,c,class\n1,2,3,red\n4,5,6,red\n' >one-class.csv
printf 'a,a,class\n1,2,red\n4,5,blue\n' >dup.csv
printf 'a,b,c,class\n1,2,3,r\xe9d\n4,5,6,blue\n' >latin1.csv
: >empty.csv
: >empty.txt
printf 'hello' >short.txt
for i in $(seq 1 40); do echo "To be, or not to be, that is the question:"; done >play.txt
printf 'not a model at all, just text' >garbage.safetensors
mkdir -p adir
# A model file whose first weight is NaN: the data starts after the 8-byte length and the header.
cp good.safetensors nan.safetensors
hlen=$(od -An -t u8 -N 8 nan.safetensors | tr -d ' ')
printf '\x00\x00\xc0\x7f' | dd of=nan.safetensors bs=1 seek=$((8 + hlen)) conv=notrunc status=none
"$V" train --data play.txt --model "gpt(layers=1,heads=1,embd=8,block=8)" --iters 2 --batch-size 2 \
  --eval-iters 1 --save lm.safetensors >/dev/null 2>&1 || { echo "cannot train the LM fixture"; exit 1; }
# A plain state_dict (no vtrain metadata) of nn.Sequential(Flatten(), Linear(64, 10)), zero weights.
header='{"1.weight":{"dtype":"F32","shape":[10,64],"data_offsets":[0,2560]},"1.bias":{"dtype":"F32","shape":[10],"data_offsets":[2560,2600]}}'
len=${#header}
printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x\\x00\\x00\\x00\\x00' $((len & 255)) $((len >> 8 & 255)) $((len >> 16 & 255)) $((len >> 24 & 255)))" >plain.safetensors
printf '%s' "$header" >>plain.safetensors
head -c 2600 /dev/zero >>plain.safetensors
# 3,000 rows with a distinct label each (an ID column), for a heap too small for 3,000 classes.
{ echo "a,b,id"; for i in $(seq 1 3000); do echo "$((i % 7)),$((i % 11)),user$i"; done; } >ids.csv
# The CSV with its columns reordered and an extra column: predictions must match by name.
awk -F, 'BEGIN { OFS = "," } { print (NR == 1 ? "id" : NR), $4, $3, $1, $2 }' iris.csv >reordered.csv
grep -v ',blue$' iris.csv >two-classes.csv
echo "precious" >existing.safetensors
keep=$(sha256sum existing.safetensors | cut -d' ' -f1)

echo "--- train: flags"
check "threads 0"                      2 "--threads 0"          -- train --threads 0
check "misspelt task"                  2 "--task 'regresion'"   -- train --task regresion
check "plot as jpg"                    2 ".png or .svg"         -- train --plot c.jpg
check "batch size 0"                   2 "--batch-size 0"       -- train --batch-size 0
check "batch size not a number"        2 "positive integer"     -- train --batch-size lots
check "unknown flag"                   2 "did you mean"         -- train --epoch 3
check "negative learning rate"         2 "--lr"                 -- train --lr -1
check "NaN learning rate"              2 "--lr"                 -- train --lr NaN
check "negative epochs"                2 "--epochs -1"          -- train --epochs -1
check "spec syntax"                    2 "position"             -- train --model "linear(10"
check "--hidden with --model"          2 "--hidden describes"   -- train --model "flatten,linear(10)" --hidden 8
check "--target-scaling on classes"    2 "--target-scaling"     -- train --target-scaling none
check "unknown scaling"                2 "standardize"          -- train --scaling bogus
check "misspelt schedule"              2 "cosin"                -- train --lr-schedule cosin
check "validation split above 1"       2 "--val-split 1.5"      -- train --val-split 1.5
check "unknown optimizer on text"      2 "foo"                  -- train --data play.txt --optimizer foo
check "spec syntax on text"            2 "position"             -- train --data play.txt --model "gpt(layers=1"
check "negative checkpoint interval"   2 "--checkpoint-every -3" -- train --data play.txt --checkpoint-every -3
check "text flag on images"            2 "--input-shape needs"  -- train --input-shape 1,8,8
echo "--- train: outputs checked before any work"
check "save into missing directory"    2 "does not exist"       -- train --save /nonexistent/m.safetensors
check "save onto a directory"          2 "found a directory"    -- train --save adir
check "report into missing directory"  2 "does not exist"       -- train --report /nonexistent/r.json
check "checkpoints under a missing dir" 2 "does not exist"      -- train --checkpoint-dir /nonexistent/a/ck
check "two outputs, one file"          2 "two output flags"     -- train --save x.json --report x.json
check "an output onto the input data"  2 "both an input and an output" -- train --data iris.csv --report iris.csv
check "plot onto the root"             2 ".png or .svg"         -- train --plot /
check "plot csv onto a directory"      2 "found a directory"    -- train --plot adir.png --history-csv adir
echo "--- train: data"
check "missing data file"              1 "no such file"         -- train --data missing.csv
check "empty CSV"                      1 "empty.csv"            -- train --data empty.csv --save existing.safetensors
unchanged existing.safetensors "$keep" "failed run keeps an existing --save"
check "ragged CSV"                     1 "expected 4 fields"    -- train --data ragged.csv
check "non-numeric feature"            1 "expected a number"    -- train --data text-feature.csv
check "empty label cell"               1 "empty cell"           -- train --data empty-label.csv
check "one class"                      1 "at least 2"           -- train --data one-class.csv
check "duplicate column names"         1 "appears twice"        -- train --data dup.csv
check "not UTF-8"                      1 "not UTF-8"            -- train --data latin1.csv
check "no such label column"           1 "no column named"      -- train --data iris.csv --label-column species
check "regression on images"           1 "--task regression"    -- train --task regression
check "network of the wrong shape"     1 "Linear(in_features"   -- train --model "conv2d(8,3),linear(10)"
check "a network too large to allocate" 1 "out of memory"       -- train --hidden 1048576,1048576 --epochs 1
check "init from garbage"              1 "garbage.safetensors"  -- train --init-from garbage.safetensors
check "init from NaN weights"          1 "finite"               -- train --init-from nan.safetensors
echo "--- train: resume"
check "resume a missing path"          1 "no such file or directory" -- train --resume nothere
check "resume with a changed flag"     2 "--lr was"             -- train --resume ck --lr 0.5
check "resume onto other data"         2 "--data was"           -- train --data play.txt --resume ck
echo "--- train: text"
check "epochs on text"                 2 "--epochs does not apply" -- train --data play.txt --epochs 3
check "block above the model's"        2 "larger than the model" -- train --data play.txt --model "gpt(layers=1,heads=1,embd=8,block=8)" --block 16
check "empty text"                     1 "empty"                -- train --data empty.txt --iters 1
check "text shorter than a block"      1 "fewer than the block" -- train --data short.txt --iters 1
echo "--- eval"
check "eval: missing model"            1 "no such file"         -- eval --model missing.safetensors
check "eval: not a model"              1 "garbage.safetensors"  -- eval --model garbage.safetensors
check "eval: NaN weights"              1 "finite"               -- eval --model nan.safetensors
check "eval: unknown split"            2 "--split"              -- eval --model good.safetensors --split everything
check "eval: --classes without --spec" 2 "--spec"               -- eval --model good.safetensors --classes a,b
check "eval: feature column missing"   1 "feature column"       -- eval --model iris.safetensors --data missing-col.csv
check "eval: class the model lacks"    1 "purple"               -- eval --model iris.safetensors --data unknown-class.csv
check "eval: state_dict of other shape" 1 "expected"            -- eval --model good.safetensors --spec "linear(3)" --data iris.csv
echo "--- predict"
check "predict: out onto its input"    2 "overwrite an input"   -- predict --model iris.safetensors --data iris.csv --out iris.csv
check "predict: out into missing dir"  2 "does not exist"       -- predict --model iris.safetensors --data iris.csv --out /nonexistent/p.csv
check "predict: missing data"          1 "no such file"         -- predict --model iris.safetensors --data none.csv
check "predict: feature column missing" 1 "feature column"      -- predict --model iris.safetensors --data missing-col.csv
check "predict: non-numeric feature"   1 "expected a number"    -- predict --model iris.safetensors --data text-feature.csv
check "predict: a language model"      1 "language model"       -- predict --model lm.safetensors --data iris.csv
check "predict: threads 0"             2 "--threads 0"          -- predict --model iris.safetensors --data iris.csv --threads 0
echo "--- generate, bench, info, help"
check "generate: a classifier"         1 "not a language model"                  -- generate --model good.safetensors
check "generate: unknown prompt char"  1 "vocabulary"           -- generate --model lm.safetensors --prompt "Zebra"
check "generate: missing model"        1 "no such file"         -- generate --model missing.safetensors
check "unknown command"                2 "Unmatched argument"   -- trian
check "bench: unknown part"            2 "--only"               -- bench --only everything
check "bench: negative seconds"        2 "--seconds"            -- bench --seconds -1
check "info: threads 0"                2 "--threads 0"          -- info --threads 0
check "unknown backend"                2 "--device 'gpu'"       -- train --backend gpu
check "eval: unknown backend"          2 "--device 'tpu'"       -- eval --model good.safetensors --backend tpu
check "unknown device"                 2 "(expected auto, cpu, cuda or scalar)" -- train --device npu
check "unknown GPU math"               2 "--gpu-math 'fp16' (expected fp32 or tf32)" -- train --gpu-math fp16
if ! command -v nvidia-smi >/dev/null 2>&1; then
  check "cuda without a GPU"           2 "--device cuda: no usable GPU: " -- train --device cuda
fi

echo "--- what used to go wrong now works"
works "predict with the label column present"  "class,p_blue"  -- predict --model iris.safetensors --data iris.csv
"$V" predict --model iris.safetensors --data iris.csv 2>/dev/null | head -6 >by-position.txt
"$V" predict --model iris.safetensors --data reordered.csv 2>/dev/null | head -6 >by-name.txt
if cmp -s by-position.txt by-name.txt; then
  pass=$((pass + 1)); echo "ok   predict matches columns by name (reordered CSV, same predictions)"
else
  fail=$((fail + 1)); echo "FAIL predict on reordered columns differs"
fi
works "eval on two of three classes"           "accuracy"      -- eval --model iris.safetensors --data two-classes.csv --split all
works "eval a plain state_dict with --spec"    "accuracy"      -- eval --model plain.safetensors --spec "flatten,linear(10)" --data digits
check "eval a plain state_dict without --spec" 1 "--spec"      -- eval --model plain.safetensors
works "init from a state_dict warns on scaling" "records no feature scaling" -- train --model "flatten,linear(10)" --init-from plain.safetensors --epochs 1
works "threads above the cores warns"          "processors available" -- train --epochs 1 --threads 64
works "the same command plus --resume"         "resumed at epoch 3" -- train --epochs 3 --save good.safetensors --checkpoint-dir ck --resume ck
VTRAIN_JAVA_OPTS=-Xmx40m check "a heap too small for the classes" 1 "out of memory" -- train --data ids.csv --epochs 1
touch plain-new.txt
if [ "$(stat -c %a good.safetensors)" = "$(stat -c %a plain-new.txt)" ]; then
  pass=$((pass + 1)); echo "ok   a saved model has the umask's mode ($(stat -c %a good.safetensors)), as any new file"
else
  fail=$((fail + 1)); echo "FAIL a saved model has mode $(stat -c %a good.safetensors), a new file $(stat -c %a plain-new.txt)"
fi

for cmd in "--version" "train --help" "info --no-probe"; do
  # shellcheck disable=SC2086
  if "$V" $cmd 2>&1 >/dev/null | grep -q "incubator"; then
    fail=$((fail + 1)); echo "FAIL vtrain $cmd prints the JVM's incubator warning"
  else
    pass=$((pass + 1)); echo "ok   vtrain $cmd prints no incubator warning"
  fi
done

leftover=$(find "$work" -name '.*.tmp' | head -3)
if [ -z "$leftover" ]; then
  pass=$((pass + 1)); echo "ok   no temporary file left behind"
else
  fail=$((fail + 1)); echo "FAIL temporary files left: $leftover"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
