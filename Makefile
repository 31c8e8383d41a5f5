# Tourniquet build, run and test targets.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO ?= go
# Postgres tests use this database; .ci/run creates one and overrides it.
TOURNIQUET_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tourniquet_test?sslmode=disable
export TOURNIQUET_TEST_DATABASE_URL

.PHONY: all build run test vet fuzz lint clean

all: build

## build: a static binary in bin/ (the Dockerfile runs the same command)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/tourniquet ./cmd/tourniquet

## run: the bot in this terminal with the embedded SQLite store
run:
	$(GO) run ./cmd/tourniquet

## vet: static checks
vet:
	$(GO) vet ./...

## test: vet, then every test with the race detector, against real Postgres
test: vet
	$(GO) test -race -count=1 -timeout 30m ./...

## fuzz: each fuzz target for FUZZTIME (default 10s)
FUZZTIME ?= 10s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./bot

## lint: vet, then helm lint and helm template of the chart (helm builds from its Go module)
HELM ?= $(GO) run helm.sh/helm/v3/cmd/helm@v3.16.4
lint: vet
	$(HELM) lint deploy/helm/tourniquet
	$(HELM) template tq deploy/helm/tourniquet --set databaseURL=postgres://tq@db/tq --set existingSecret=tq > /dev/null

clean:
	rm -rf bin
