# Sourced by ./llumnix and scripts/test: sets JAVA_HOME to a JDK >= 25 or exits with a clear message.
java_major() { # prints the feature version of the JDK at $1, or nothing
  local rel="$1/release"
  [ -f "$rel" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel"
}

find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v="$(java_major "$c")"
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if ! LLUMNIX_JDK="$(find_jdk)"; then
  echo "llumnix: no JDK 25 or newer found (looked at JAVA_HOME and /usr/lib/jvm/*); install Temurin 25 and set JAVA_HOME" >&2
  exit 1
fi
export JAVA_HOME="$LLUMNIX_JDK"
