# rootwatch in a container. Build:   docker build -t rootwatch .
# Run (the config mounted, state in a volume; see compose.yaml and the README):
#   docker run -d -v ./rootwatch.toml:/etc/rootwatch/rootwatch.toml:ro -v rootwatch-state:/var/lib/rootwatch rootwatch
#   docker run --rm rootwatch --version
#   docker run --rm -v ./rootwatch.toml:/etc/rootwatch/rootwatch.toml:ro rootwatch check --config /etc/rootwatch/rootwatch.toml
# The base is an argument so that it builds where no registry is reachable (a local Debian 12
# image made with debootstrap: tests/container/podman.sh base).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
ARG DEBIAN_FRONTEND=noninteractive
# The build dependencies of ./quickstart, without the test tools.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      cmake make g++ ccache pkg-config ca-certificates \
      libboost1.81-dev libboost-url1.81-dev libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev \
      libsqlite3-dev libtomlplusplus-dev libsystemd-dev libsimdjson-dev dpkg-dev file \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Release, the executable only. The ccache directory is a build cache mount: a rebuild after a
# source change recompiles only what changed, and the cache never enters a layer.
ENV CCACHE_DIR=/ccache
RUN --mount=type=cache,target=/ccache \
    cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DROOTWATCH_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr \
 && cmake --build /build --target rootwatch -j"$(nproc)"
# The Debian package (cmake/packaging.cmake; dpkg-shlibdeps finds its Depends). The run stage
# installs it, so the image holds exactly what the .deb says it needs; tests/package checks the
# same file in a fresh Debian 12 root.
RUN cd /build && cpack -G DEB -B /out \
 && rm -rf /out/_CPack_Packages

FROM ${BASE}
ARG DEBIAN_FRONTEND=noninteractive
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="rootwatch" \
      org.opencontainers.image.description="Watches Azure role assignments at the root scope \"/\" and delivers alerts" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
# The package, whose Depends bring the shared libraries rootwatch links, and the CA store for
# Azure's and the sinks' TLS. The package enables and starts nothing, and there is no systemd
# here; its default /etc/rootwatch/rootwatch.toml is replaced by the mounted one.
COPY --from=build /out/*.deb /tmp/
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates /tmp/rootwatch_*.deb \
 && rm -rf /tmp/*.deb /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
# A fixed numeric id, so that Kubernetes' runAsNonRoot can check it and a volume's owner is
# known in advance.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/rootwatch --no-create-home \
      --shell /usr/sbin/nologin rootwatch \
 && mkdir -p /var/lib/rootwatch /etc/rootwatch \
 && chown rootwatch:rootwatch /var/lib/rootwatch \
 && chmod 0750 /var/lib/rootwatch
# Text logs stay the documented default of the config; in the image, logs are JSON unless the
# config sets log_format (auto: JSON when stderr is neither the journal nor a terminal).
ENV ROOTWATCH_LOG_FORMAT=auto
USER 10001:10001
VOLUME /var/lib/rootwatch
# The daemon's graceful stop: not ready, finish the cycle's commit, flush, exit 0 within
# [daemon] shutdown_grace (10s by default; give `docker stop -t` more than that).
STOPSIGNAL SIGTERM
# /healthz on the listener the config names (127.0.0.1:9469 by default); no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/bin/rootwatch", "probe", "--config", "/etc/rootwatch/rootwatch.toml"]
ENTRYPOINT ["/usr/bin/rootwatch"]
CMD ["run", "--config", "/etc/rootwatch/rootwatch.toml"]
