# rc-analytics: a small image, configured only by environment (MONGO_URL, RCA_*, RUST_LOG; README.md "Configuration").
#   docker build -t rc-analytics .
# Stage 1 builds the dependencies alone (cached while only the sources change), then the release binary.
# Only the service: the workspace's demo-data generator (seed/, which writes to MongoDB) is neither built nor
# copied; cargo reads its manifest alone to load the workspace.
FROM docker.io/library/rust:1-slim-bookworm AS build
WORKDIR /src
# Dependencies: the manifests and empty targets, so this layer changes only with the manifests/Cargo.lock.
COPY Cargo.toml Cargo.lock ./
COPY seed/Cargo.toml ./seed/
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked -p rc-analytics --bin rc-analytics \
    && rm -rf src target/release/rc-analytics target/release/deps/rc_analytics-* target/release/deps/librc_analytics-* \
       target/release/.fingerprint/rc-analytics-*
# The sources, and the dashboard page that src/ui.rs embeds at compile time; the same command as in the
# development docs (no Node.js: the page has no build step).
COPY src ./src
COPY ui ./ui
# touch: COPY keeps the files' own (possibly older) mtimes; the crate must rebuild from the real sources.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked -p rc-analytics --bin rc-analytics \
    && strip target/release/rc-analytics

# Stage 2: Debian slim with CA certificates (TLS to MongoDB), a non-root user, the binary. No tzdata: the
# IANA zone database is compiled into the binary (chrono-tz).
FROM docker.io/library/debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin rc-analytics
COPY --from=build /src/target/release/rc-analytics /usr/local/bin/rc-analytics
USER 10001:10001
ENV RCA_BIND=0.0.0.0:3100 \
    RUST_LOG=info
EXPOSE 3100
# The binary itself checks GET /health on the port of RCA_BIND (no curl in the image).
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 CMD ["rc-analytics", "healthcheck"]
# SIGTERM (docker stop) drains in-flight requests for at most 8 s, inside Docker's default 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["rc-analytics"]
