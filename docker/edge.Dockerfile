# sse-router edge: docker build -f docker/edge.Dockerfile -t sse-router-edge .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY config config
COPY topology topology
COPY http-edge http-edge
COPY system system
RUN mvn -q -B -DskipTests -pl http-edge -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app sse && mkdir -p /app
COPY --from=build /src/http-edge/target/sse-router-edge-all.jar /app/sse-router-edge.jar
USER sse
ENV SSE_HTTP_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["java", "-cp", "/app/sse-router-edge.jar", "io.sserouter.config.HealthCheck"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/sse-router-edge.jar"]
