# sse-router edge (Redis to SSE over HTTP). Build from the repository root:
#   docker build -f docker/edge.Dockerfile -t sse-router-edge .

FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
# Every module's pom (Maven reads the whole reactor), then dependencies in a layer of their own so a source
# change does not download them again; only contract, config, testkit (the tests' kit) and http-edge are compiled.
COPY pom.xml .
COPY contract/pom.xml contract/
COPY config/pom.xml config/
COPY testkit/pom.xml testkit/
COPY topology/pom.xml topology/
COPY topology-test/pom.xml topology-test/
COPY http-edge/pom.xml http-edge/
COPY system/pom.xml system/
RUN mvn -B -q -pl http-edge -am dependency:go-offline
COPY contract/src contract/src
COPY config/src config/src
COPY testkit/src testkit/src
COPY http-edge/src http-edge/src
RUN mvn -B -q -DskipTests -pl http-edge -am package

FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 sse \
 && useradd --system --uid 10001 --gid sse --home-dir /app --no-create-home --shell /usr/sbin/nologin sse
WORKDIR /app
# Owned by root, so the process cannot change its own code.
COPY --from=build /src/http-edge/target/sse-router-edge-all.jar /app/sse-router-edge.jar
USER 10001:10001
ENV SSE_HTTP_PORT=8080
EXPOSE 8080
# The probe is a second, tiny JVM (no curl in this image); it reads SSE_HTTP_PORT like the server does.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["java", "-Xmx16m", "-Xss256k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", "/app/sse-router-edge.jar", "io.sserouter.config.HealthCheck"]
# Exec form: java is PID 1 and gets SIGTERM itself, which closes every stream so clients resume elsewhere.
# The heap follows the container's memory limit; extra flags go in JDK_JAVA_OPTIONS.
# Parallel GC (short young pauses), 8-byte object headers, small thread stacks and a heap that gives memory back:
# see docs/operations.md, "Edge".
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=70", "-XX:+UseParallelGC", "-XX:+UseCompactObjectHeaders", "-Xss256k", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/sse-router-edge.jar"]
