#!/usr/bin/env bash
# Checks android/gradlew and the Gradle pin without the network (services.gradle.org is not
# reachable from the test machines): the pin is one version and one SHA-256 in both places that
# state it, and the script, run against a stand-in distribution served from a file:// URL,
# downloads it once, refuses a wrong checksum, installs nothing then, and runs the distribution's
# bin/gradle with the arguments as given. Last line: "Wrapper: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "[wrapper] ok: $*"; }
fail() { failed=$((failed + 1)); echo "[wrapper] FAILED: $*" >&2; }

props=android/gradle/wrapper/gradle-wrapper.properties
url="$(sed -n 's/^distributionUrl=//p' "$props" | sed 's/\\:/:/g')"
sum="$(sed -n 's/^distributionSha256Sum=//p' "$props")"
version="$(sed -n 's/.*gradleVersion = "\([^"]*\)".*/\1/p' android/build.gradle.kts)"
task_sum="$(sed -n 's/.*distributionSha256Sum = "\([^"]*\)".*/\1/p' android/build.gradle.kts)"
[ "$url" = "https://services.gradle.org/distributions/gradle-$version-bin.zip" ] &&
    ok "the properties' URL is Gradle's bin distribution of the wrapper task's version $version" ||
    fail "distributionUrl $url does not match the wrapper task's version '$version'"
[[ "$sum" =~ ^[0-9a-f]{64}$ && "$sum" = "$task_sum" ]] &&
    ok "one SHA-256 in the properties and in the wrapper task" ||
    fail "SHA-256 differs: properties '$sum', wrapper task '$task_sum'"
[ ! -e android/gradle/wrapper/gradle-wrapper.jar ] || ok "(a wrapper jar is present: gradlew hands over to it)"

# A stand-in distribution: gradle-<v>/bin/gradle prints its arguments and the directory it runs in.
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
dist="gradle-$version"
mkdir -p "$work/src/$dist/bin" "$work/project/gradle/wrapper"
cat > "$work/src/$dist/bin/gradle" <<'SH'
#!/bin/sh
echo "stand-in gradle from $(cd "$(dirname "$0")/.." && pwd -P) args:$*"
SH
(cd "$work/src" && python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(sys.argv[2] + "/bin/gradle")' "$work/$dist-bin.zip" "$dist")
cp android/gradlew "$work/project/gradlew"
good_sum="$(sha256sum "$work/$dist-bin.zip" | cut -d ' ' -f 1)"
write_props() {
    sed -e "s|^distributionUrl=.*|distributionUrl=file\\\\://$work/$dist-bin.zip|" \
        -e "s|^distributionSha256Sum=.*|distributionSha256Sum=$1|" "$props" > "$work/project/gradle/wrapper/gradle-wrapper.properties"
}
export GRADLE_USER_HOME="$work/home"

# A wrong checksum: refused, nothing installed.
write_props "$(printf '0%.0s' {1..64})"
if out="$("$work/project/gradlew" tasks 2>&1)"; then
    fail "a distribution with the wrong SHA-256 ran: $out"
elif grep -q "not the pinned" <<<"$out" && ! find "$GRADLE_USER_HOME" -path '*/bin/gradle' | grep -q .; then
    ok "a distribution with the wrong SHA-256 is refused and nothing is installed"
else
    fail "wrong SHA-256: unexpected outcome: $out"
fi

# The right one: downloaded, checked, unpacked, run with the arguments as given.
write_props "$good_sum"
out="$("$work/project/gradlew" :loyalty:assembleRelease -Pa='b c' 2>&1)"
if grep -q "^stand-in gradle from $GRADLE_USER_HOME/wrapper/dists/$dist-bin/sha256-.* args::loyalty:assembleRelease -Pa=b c$" <<<"$out"; then
    ok "the pinned distribution is downloaded, checked, unpacked under GRADLE_USER_HOME and run"
else
    fail "first run: $out"
fi
# Cached: the source gone, the installed distribution is used without a download.
rm "$work/$dist-bin.zip"
out="$("$work/project/gradlew" help 2>&1)"
if grep -q "^stand-in gradle from .* args:help$" <<<"$out" && ! grep -q downloading <<<"$out"; then
    ok "the second run uses the installed distribution (no download)"
else
    fail "second run: $out"
fi
leftovers="$(find "$GRADLE_USER_HOME" -name '.download.*')"
[ -z "$leftovers" ] && ok "no download left behind" || fail "left behind: $leftovers"

echo "Wrapper: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
