# sse-router topology (Kafka Streams to Redis). Build from the repository root:
#   docker build -f docker/topology.Dockerfile -t sse-router-topology .

FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
# Every module's pom (Maven reads the whole reactor), then dependencies in a layer of their own so a source
# change does not download them again; only contract, config, testkit (the tests' kit) and topology are compiled.
COPY pom.xml .
COPY contract/pom.xml contract/
COPY config/pom.xml config/
COPY testkit/pom.xml testkit/
COPY topology/pom.xml topology/
COPY topology-test/pom.xml topology-test/
COPY http-edge/pom.xml http-edge/
COPY system/pom.xml system/
RUN mvn -B -q -pl topology -am dependency:go-offline
COPY contract/src contract/src
COPY config/src config/src
COPY testkit/src testkit/src
COPY topology/src topology/src
# -Dexec.skip: the runtime stage makes the class-data archive for the jar where it runs it
RUN mvn -B -q -DskipTests -Dexec.skip -pl topology -am package

# A glibc-based JRE: RocksDB's native library (the state stores) is built for glibc.
FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 sse \
 && useradd --system --uid 10001 --gid sse --home-dir /app --no-create-home --shell /usr/sbin/nologin sse \
 && mkdir -p /var/lib/sse-router \
 && chown sse:sse /var/lib/sse-router
WORKDIR /app
# Owned by root, so the process cannot change its own code.
COPY --from=build /src/topology/target/sse-router-topology-all.jar /app/sse-router-topology.jar
# A class-data archive of the classes a start, a restore and the first events load, made for this jar at this path:
# a restarted instance maps them instead of loading them one by one, about 1.5 s sooner back to work.
COPY topology/src/main/cds/topology.classlist /app/topology.classlist
RUN java -Xshare:dump -Xlog:cds=error -XX:SharedClassListFile=/app/topology.classlist \
      -XX:SharedArchiveFile=/app/sse-router-topology.jsa -cp /app/sse-router-topology.jar
USER 10001:10001
# State stores live here: mount a volume per instance so a restart restores from disk, not from the changelog.
ENV KAFKA_STATE_DIR=/var/lib/sse-router SSE_HTTP_PORT=8081
EXPOSE 8081
# Ready means Kafka Streams is RUNNING; the first rebalance of a fresh group can take a while.
HEALTHCHECK --interval=10s --timeout=5s --start-period=90s --retries=3 \
  CMD ["java", "-Xmx16m", "-Xss256k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", "/app/sse-router-topology.jar", "io.sserouter.config.HealthCheck"]
# Exec form: java is PID 1 and gets SIGTERM itself, which closes Kafka Streams cleanly (exit code 143).
# Half the container's memory for the heap: RocksDB's caches and buffers live outside it.
# The Tier4 thresholds keep the optimising compiler off what is hot only while a restarted instance starts (Main.JVM_FLAGS).
# Extra flags go in JDK_JAVA_OPTIONS.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-XX:SharedArchiveFile=/app/sse-router-topology.jsa", \
            "-XX:Tier4InvocationThreshold=50000", "-XX:Tier4MinInvocationThreshold=6000", "-XX:Tier4CompileThreshold=150000", \
            "-XX:Tier4BackEdgeThreshold=400000", "-jar", "/app/sse-router-topology.jar"]
