# syntax=docker/dockerfile:1
# Tourniquet: a static binary on a distroless, non-root runtime.
# Build:  docker build --build-arg VERSION=$(git describe --tags --always) -t tourniquet .
# The build step is `make build`, the same command that works outside Docker.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN make build VERSION=${VERSION} && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/tourniquet /usr/local/bin/tourniquet
# A writable home for the embedded SQLite store (sqlite:tourniquet.db).
COPY --from=build --chown=65532:65532 /out/data /var/lib/tourniquet
WORKDIR /var/lib/tourniquet
USER 65532:65532
ENV TOURNIQUET_LISTEN=0.0.0.0:8080 \
    TOURNIQUET_LOG_FORMAT=json
EXPOSE 8080
# No HEALTHCHECK: orchestrators probe /healthz and /readyz.
ENTRYPOINT ["/usr/local/bin/tourniquet"]
CMD ["serve"]
