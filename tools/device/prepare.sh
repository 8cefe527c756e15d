#!/usr/bin/env bash
# Prepares, on a machine with a JDK 25 and Maven, what tools/device/check.sh needs on a GPU machine
# that has neither (nor a network): into .device/ (ignored by git) a jlink'd Java runtime
# (../shared/tools/device-jre.sh, about 45 MB), the CLI jar, the library's CUDA tests and the JUnit
# console launcher. Then run the check there with .device carried along, e.g. with this project's
# device tool: run(command="tools/device/check.sh", carry=[".device"]).
# Usage: tools/device/prepare.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out=.device
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >>.git/info/exclude
jdk=""
for d in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  [ -x "$d/bin/jlink" ] || continue
  v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')
  if [ "${v%%.*}" -ge 25 ] 2>/dev/null; then jdk=$d; break; fi
done
[ -n "$jdk" ] || { echo "prepare: no JDK 25 found" >&2; exit 1; }
export JAVA_HOME="$jdk"
mvn -B -q install -DskipTests -Dspotless.check.skip=true -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl lib,cli -am
mvn -B -q test-compile -Dspotless.check.skip=true -pl lib
rm -rf "$out"
mkdir -p "$out/tests/dev/vtrain/backend"
shared="$root/../shared/tools/device-jre.sh"
[ -x "$shared" ] || { echo "prepare: $shared not found" >&2; exit 1; }
"$shared" "$out/jre" >/dev/null
cp cli/target/vtrain.jar "$out/vtrain.jar"
cp -r lib/target/test-classes/dev/vtrain/backend/cuda "$out/tests/dev/vtrain/backend/"
junit=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)
platform="1.${junit#5.}"
mvn -B -q dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform" \
  -DoutputDirectory="$out" -Dmdep.stripVersion=true
du -sh "$out"
echo "prepare: $out is ready; on the GPU machine run tools/device/check.sh with $out carried"
