# syntax=docker/dockerfile:1
# The container image `jobrun kubernetes --image` expects: jobrun on PATH,
# the job file mounted at /etc/jobrun/jobs.yaml, the history and locks in
# /var/lib/jobrun/state, run as the unprivileged user 65532 on a read-only root
# file system. Build and push it with
#   docker build -t registry.example.com/jobrun:0.1.0 .
#   docker push registry.example.com/jobrun:0.1.0
# (docs/scheduling.md, "Kubernetes", says more.)

# Build with the official Rust image, on the same Debian release as the
# runtime stage's, so the binary links against the same glibc.
FROM rust:1.89-bookworm AS build
# The files the runtime stage takes from here: the trusted certificates
# and the zone database (versions follow the Debian release; pinning them
# would break the build at each security update).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The registry and target caches survive between builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
 && install -D -m 0755 target/release/jobrun /out/jobrun \
 && install -d -m 0700 /out/state

# Run on distroless: glibc and libgcc, no shell, no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
# What jobrun reads, copied explicitly so the image holds them whatever
# the base: the CA bundle https trusts, the zone database schedules are
# read in, the binary on PATH, and the state directory, owned by the user
# jobrun runs as (a volume mounted there takes this ownership in Docker;
# in Kubernetes the manifests' fsGroup gives it the same group).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /out/jobrun /usr/local/bin/jobrun
COPY --from=build --chown=65532:65532 /out/state /var/lib/jobrun
# The job file's and the state's places, as the manifests mount them.
# SQLite puts any temporary file in the state directory too: with a
# read-only root file system there is no writable /tmp.
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    JOBRUN_CONFIG=/etc/jobrun/jobs.yaml \
    JOBRUN_STATE_DIR=/var/lib/jobrun/state \
    SQLITE_TMPDIR=/var/lib/jobrun/state
USER 65532:65532
ENTRYPOINT ["jobrun"]
CMD ["--help"]
