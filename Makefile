# The README names these targets. `make demo` and `make test` are the two
# commands of a fresh machine: `make demo` needs Go only and installs
# nothing; `make test` installs what the tests need (`make deps`) first.
SHELL      := /bin/bash
GO         ?= go
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -s -w -X github.com/wso2-container/agent/agent.Version=$(VERSION)
BIN        := bin/agent
STATICCHECK = $(shell $(GO) env GOPATH)/bin/staticcheck
FUZZTIME   ?=
# The test that needs a real kube-apiserver: run by target kube, not by unit.
KUBE_TEST  := TestKubernetesManifestsOnRealAPIServer

.PHONY: all build deps test unit kube lint fuzz bench demo images e2e clean kube-apiserver

all: build

## build: the static agent binary (CGO off, trimmed paths, version stamped)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/agent

deps:
	./scripts/install-deps.sh

## test: everything CI runs, stage by stage with a banner each (scripts/test.sh):
## deps, lint, unit/integration tests, short fuzz runs, e2e when it can run here,
## the manifest test on a real kube-apiserver (kube)
test:
	./scripts/test.sh

## unit: go test ./... but the manifest test (target kube), then the render report test under the race detector
unit: build
	$(GO) test -count=1 -skip '^$(KUBE_TEST)$$' ./...
	@echo "unit: the report built beside the apply, under the race detector"
	CGO_ENABLED=1 $(GO) test -count=1 -race -run '^TestRenderReportBesideApply$$' ./agent

## kube: the manifest test on a real kube-apiserver (built once and cached, see kube-apiserver); verbose,
## so that a skip shows its reason; its output is kept in .cache/kube-test.out for scripts/test.sh's summary
kube: kube-apiserver
	set -o pipefail; KUBE_APISERVER=$$(cat .cache/kube-apiserver.path 2>/dev/null) $(GO) test -count=1 -v -run '^$(KUBE_TEST)$$' ./e2e/ | tee .cache/kube-test.out

## kube-apiserver: the real API server for the manifest test, built once and cached
## (scripts/kube-apiserver.sh); when it cannot be built the reason is recorded and the test skips, saying so
kube-apiserver:
	@mkdir -p .cache; \
	if p=$$(./scripts/kube-apiserver.sh 2> >(tee .cache/kube-apiserver.log >&2)); then \
		echo "$$p" > .cache/kube-apiserver.path; rm -f .cache/kube-apiserver.skip; echo "kube-apiserver: $$p"; \
	else \
		tail -1 .cache/kube-apiserver.log > .cache/kube-apiserver.skip; rm -f .cache/kube-apiserver.path; \
		echo "kube-apiserver: not built: $$(cat .cache/kube-apiserver.skip); TestKubernetesManifestsOnRealAPIServer will be skipped"; \
	fi

lint:
	@out=$$(gofmt -l .); test -z "$$out" || { echo "gofmt would change: $$out"; exit 1; }
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) vet -tags e2e ./e2e/
	$(STATICCHECK) -tags e2e ./e2e/

## fuzz: each fuzz target for FUZZTIME (default: 2000 executions, 300 for the whole-plan targets; a duration works too)
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

## bench: Go benchmarks and the side-by-side comparison with the old scripts
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	COMPARE_BUSY=1 ./scripts/compare.sh

## demo: Go only: render copies of the bundled fixture trees (the 2.0.0 gateway, applied; a 4.5 universal gateway, dry run) and print the plans
demo: build
	./scripts/demo.sh

clean:
	rm -rf bin

include images/images.mk
