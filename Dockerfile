# syntax=docker/dockerfile:1
# Dockerfile: builds the `ebbflow` binary and ships it in a small runtime image.
#
#   docker build -t ebbflow .            docker run --rm -e DATABASE_URL=... ebbflow migrate
#   docker run --rm -e DATABASE_URL=... -p 127.0.0.1:8080:8080 ebbflow serve --host 0.0.0.0 --port 8080
#
# Why two stages: the Swift toolchain and libpq headers are only needed to build;
# the runtime image carries just the Swift runtime (the -slim image), libpq5 and
# the binary, which runs as an unprivileged user (uid and gid 10001, which the Kubernetes
# manifests name; the image's bash answers the compose healthchecks). The SQL schema (and
# openapi.yaml, which `serve` answers at /openapi.yaml) is compiled into the binary or carried
# in a resource bundle copied beside it, so nothing else needs copying. Keep both tags on the
# same Swift version.
ARG SWIFT_VERSION=6.3

FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The cache mount keeps .build (dependencies, object files) between image builds.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product ebbflow \
    && bin="$(swift build -c release --show-bin-path)" \
    && mkdir -p /out \
    && cp "$bin/ebbflow" /out/ \
    && { for b in "$bin"/*.resources; do [ -e "$b" ] && cp -R "$b" /out/; done; true; }

FROM swift:${SWIFT_VERSION}-bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq5 tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 ebbflow \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin ebbflow
# The binary, plus any SwiftPM resource bundles, which must sit next to it.
COPY --from=build /out/ /usr/local/bin/
# The user `ebbflow`, by number: Kubernetes's runAsNonRoot can verify a number, not a name.
USER 10001:10001
# `ebbflow serve`'s port in docker-compose.yml (the worker's optional --metrics-port is its own choice).
# No HEALTHCHECK here: the worker and `serve` answer /readyz on different ports, so
# docker-compose.yml and the Kubernetes probes say which to ask.
EXPOSE 8080
ENTRYPOINT ["ebbflow"]
CMD ["worker"]
