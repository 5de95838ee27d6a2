# Sourced by run-local, run-tests, bench/run and the class-list recorder: the product is built, tested and run on
# Java 25 or newer (its images run Temurin 25). Uses JAVA_HOME, or the JDK of the java on PATH, when it is 25 or
# newer; otherwise the newest JDK 25+ under /usr/lib/jvm; otherwise stops and says what to install.
jdk_feature() { # the feature release of a JDK: 17 for "17.0.15", 25 for "25.0.3", 1 for "1.8.0", empty if none
  # the line that names the version, not the first: with JAVA_TOOL_OPTIONS set, "Picked up ..." comes before it
  [[ -x $1/bin/java && -x $1/bin/javac ]] && "$1/bin/java" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1
}
use_jdk() {
  local home feature chosen="" chosen_feature=0 on_path=""
  if command -v java >/dev/null; then on_path=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")"); fi
  for home in "${JAVA_HOME:-}" "$on_path"; do
    feature=$(jdk_feature "$home" || true)
    if [[ -n $home && -n $feature ]] && (( feature >= 25 )); then chosen=$home; break; fi
  done
  if [[ -z $chosen ]]; then # the newest under /usr/lib/jvm
    for home in /usr/lib/jvm/*; do
      feature=$(jdk_feature "$home" || true)
      if [[ -n $feature ]] && (( feature >= 25 && feature > chosen_feature )); then chosen=$home; chosen_feature=$feature; fi
    done
  fi
  if [[ -z $chosen ]]; then
    echo "sse-router needs a JDK 25 or newer (JAVA_HOME, java on PATH, or under /usr/lib/jvm) and found none:" >&2
    echo "install one (Temurin 25, for example) and run this again." >&2
    exit 1
  fi
  export JAVA_HOME=$chosen
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven's own libraries (Guice, Guava) use sun.misc.Unsafe, of which Java 24 and later warn at every build
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
use_jdk
