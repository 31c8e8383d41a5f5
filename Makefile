# Tourniquet build, run and test targets.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO ?= go
# Postgres tests use this database; .ci/run creates one and overrides it.
TOURNIQUET_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tourniquet_test?sslmode=disable
export TOURNIQUET_TEST_DATABASE_URL

.PHONY: all build run test vet staticcheck fuzz faults load bench-compare lint clean

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

## staticcheck: the pinned staticcheck (CI installs the same version)
STATICCHECK_VERSION ?= v0.8.2
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## test: vet, then every test with the race detector, against real Postgres
test: vet
	$(GO) test -race -count=1 -timeout 30m ./...

## fuzz: each fuzz target for FUZZTIME (default 10s; FUZZTIME=10m make fuzz digs deeper)
FUZZTIME ?= 10s
FUZZ_TARGETS := ./bot:FuzzParse ./bot/slack:FuzzVerify ./bot/slack:FuzzInbound \
	./bot/discord:FuzzInteractionVerify ./bot/discord:FuzzInteraction ./config:FuzzLoad \
	./internal/redact:FuzzPrecheckMatchesRegexp
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "=== $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

## faults: the fault-injection suite: the real binary, real Postgres, SIGKILLs, outages (a few minutes)
faults:
	TOURNIQUET_FAULTS=1 $(GO) test -count=1 -timeout 20m -v ./faults

## load: the load figures of docs/BENCHMARKS.md, on SQLite then Postgres (LOAD_RATES, LOAD_DURATION)
LOAD_RATES ?= 50,200,500
LOAD_DURATION ?= 20s
load: build
	$(GO) run ./cmd/tourniquet-load -binary bin/tourniquet -database sqlite -rates $(LOAD_RATES) -duration $(LOAD_DURATION) -markdown
	$(GO) run ./cmd/tourniquet-load -binary bin/tourniquet -database "$(TOURNIQUET_TEST_DATABASE_URL)" -rates $(LOAD_RATES) -duration $(LOAD_DURATION) -markdown

## bench-compare: Tourniquet (SQLite, Postgres) against a minimal Bolt for JavaScript app (npm install at run
## time into a temp dir) and the same app in Go (the load tool's go-app: the floor of any Go bot's cost),
## same load and fake Slack, interleaved rounds; the table of docs/BENCHMARKS.md.
## Not part of `make test` (several minutes; needs node and npm). COMPARE_RATES, COMPARE_ROUNDS, COMPARE_INCIDENTS.
COMPARE_RATES ?= 50,100,200
COMPARE_ROUNDS ?= 3
COMPARE_INCIDENTS ?= 800
COMPARE_DURATION ?= 15s
bench-compare: build
	$(GO) run ./cmd/tourniquet-load -binary bin/tourniquet -compare -systems sqlite,postgres,bolt,go \
		-database "$(TOURNIQUET_TEST_DATABASE_URL)" -rates $(COMPARE_RATES) -rounds $(COMPARE_ROUNDS) \
		-incidents $(COMPARE_INCIDENTS) -duration $(COMPARE_DURATION) -settle 60s

## lint: vet, then helm lint and helm template of the chart (helm builds from its Go module)
HELM ?= $(GO) run helm.sh/helm/v3/cmd/helm@v3.16.4
lint: vet staticcheck
	$(HELM) lint deploy/helm/tourniquet
	$(HELM) template tq deploy/helm/tourniquet --set databaseURL=postgres://tq@db/tq --set existingSecret=tq > /dev/null

clean:
	rm -rf bin
