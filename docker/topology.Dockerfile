# sse-router topology: docker build -f docker/topology.Dockerfile -t sse-router-topology .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY config config
COPY topology topology
COPY http-edge http-edge
COPY system system
RUN mvn -q -B -DskipTests -pl topology -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app sse && mkdir -p /app /var/lib/sse-router && chown sse /var/lib/sse-router
COPY --from=build /src/topology/target/sse-router-topology-all.jar /app/sse-router-topology.jar
USER sse
ENV KAFKA_STATE_DIR=/var/lib/sse-router SSE_HTTP_PORT=8081
EXPOSE 8081
VOLUME /var/lib/sse-router
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["java", "-cp", "/app/sse-router-topology.jar", "io.sserouter.config.HealthCheck"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/sse-router-topology.jar"]
