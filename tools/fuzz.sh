#!/usr/bin/env bash
# Fuzzes each @FuzzTest in fuzzing mode (JAZZER_FUZZ=1) for its maxDuration (10 minutes), one
# after the other, and prints a summary line per target: executions, crashes. Not part of CI: the
# normal build runs the same tests in regression mode over the committed inputs.
# Usage: tools/fuzz.sh [TestClass ...]   (default: all five targets)
# A crash is written by Jazzer next to the committed inputs (…FuzzTestInputs/<method>/crash-*);
# keep it there as a regression input once fixed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(SafetensorsFuzzTest IdxReaderFuzzTest CsvReaderFuzzTest CheckpointFuzzTest SpecParserFuzzTest)
fi
jdk=$(for d in "${VTRAIN_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do [ -x "$d/bin/java" ] && { echo "$d"; break; }; done)
mkdir -p target/fuzz
for t in "${targets[@]}"; do
  log="target/fuzz/$t.log"
  start=$(date +%s)
  JAZZER_FUZZ=1 JAVA_HOME="$jdk" mvn -B -pl lib test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dspotless.check.skip=true >"$log" 2>&1 && rc=0 || rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  crashes=$(grep -c "FuzzTestFindingException" "$log" || true)
  echo "$t: ${secs}s, ${execs:-?} executions, ${crashes} crash(es), exit $rc (log $log)"
done
