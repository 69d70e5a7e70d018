# firstline — make help lists the targets.
GO ?= go
PG_DSN ?= $(FIRSTLINE_TEST_POSTGRES_DSN)
FUZZTIME ?= 60s
BENCHFLAGS ?=

.PHONY: help run build test test/race bench fuzz lint generate

help: ## show this help
	@grep -E '^[a-zA-Z/_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

run: ## run firstline on the embedded SQLite default (./firstline-data)
	$(GO) run ./cmd/firstline serve

build: ## build bin/firstline
	$(GO) build -o bin/firstline ./cmd/firstline

test: ## run every test (PostgreSQL too when FIRSTLINE_TEST_POSTGRES_DSN is set)
	$(GO) test ./...

test/race: ## run the tests with the race detector (crash test skipped)
	$(GO) test -race -short ./...

bench: ## PutEvents throughput/latency table (SQLite, and PostgreSQL with FIRSTLINE_TEST_POSTGRES_DSN); pattern matching vs json.Unmarshal; States Language transitions/s
	$(GO) run ./bench/putevents $(BENCHFLAGS)
	$(GO) test -run '^$$' -bench 'BenchmarkMatch|BenchmarkParsePutEvents' ./internal/pattern ./internal/event
	$(GO) test -run '^$$' -bench 'BenchmarkChain100|BenchmarkMap1000|BenchmarkBaselineJSONRoundTrip' -benchmem ./internal/workflow
	$(GO) test -run '^$$' -bench 'BenchmarkDurableExecutions' ./internal/execution
	$(GO) run ./bench/executions $(BENCHFLAGS)

fuzz: ## run each fuzz target for FUZZTIME (default 60s); the corpus is in testdata/fuzz
	$(GO) test ./internal/event -run '^$$' -fuzz '^FuzzParsePutEvents$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/event -run '^$$' -fuzz '^FuzzEventUnmarshal$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/pattern -run '^$$' -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/pattern -run '^$$' -fuzz '^FuzzMatch$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/rule/input -run '^$$' -fuzz '^FuzzShape$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/ingest/alertmanager -run '^$$' -fuzz '^FuzzAlertmanager$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/ingest/grafana -run '^$$' -fuzz '^FuzzGrafana$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/ingest/sns -run '^$$' -fuzz '^FuzzSNS$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/ingest/generic -run '^$$' -fuzz '^FuzzGeneric$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/ingest/eventbridge -run '^$$' -fuzz '^FuzzEventBridge$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/workflow -run '^$$' -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/workflow -run '^$$' -fuzz '^FuzzPath$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/workflow/intrinsic -run '^$$' -fuzz '^FuzzParseEval$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/workflow/jsonata -run '^$$' -fuzz '^FuzzCompileEval$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/command/document -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)

lint: ## gofmt, go vet, and golangci-lint when installed
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...
	@if command -v golangci-lint >/dev/null 2>&1; then golangci-lint run ./...; else echo "golangci-lint not installed; skipped (go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@latest)"; fi

generate: ## nothing is generated yet
	@true
