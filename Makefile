# Warden: API-gateway security plugins for Kong.

SHELL     := /bin/bash
GO        ?= go
BIN       := bin
PLUGINS   := $(wildcard plugins/warden-*)
LISTEN    ?= 127.0.0.1:8000
LISTEN_TLS ?= 127.0.0.1:8443
GATEWAY_FLAGS ?=
# make run's audit events: every plugin server appends its JSON lines here
# (-audit-file), as the demo's Kong does; the gateway's own output is Kong's
# error log at notice, where audit lines (logged at info) do not appear.
AUDIT_LOG ?= $(BIN)/warden-audit.log
AUDIT_ARGS = $(foreach p,$(notdir $(PLUGINS)),-server-arg=$(p)=-audit-file=$(abspath $(AUDIT_LOG)))
# make run METRICS=1: each plugin server serves Prometheus metrics on its own
# port (docs/operations.md#metrics), as -metrics-addr in its start command.
METRICS ?=
METRICS_PORTS := warden-auth=9101 warden-authz=9102 warden-validator=9103 warden-ratelimit=9104 warden-leakguard=9105 warden-suite=9106
METRICS_ARGS = $(if $(METRICS),$(foreach e,$(METRICS_PORTS),-server-arg=$(word 1,$(subst =, ,$(e)))=-metrics-addr=127.0.0.1:$(word 2,$(subst =, ,$(e)))))
# Fixed, not variables: kong/kong.yml names the upstream http://echo:8080 (make
# run resolves echo to 127.0.0.1) and the issuer http://127.0.0.1:9000, which is
# also in every token the demo IdP signs; make demo runs the same file.
override ECHO_ADDR := 127.0.0.1:8080
override IDP_ADDR  := 127.0.0.1:9000

# Demo secrets kong/kong.yml references as {vault://env/...}.
include examples/demo.env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' examples/demo.env)

.PHONY: all build test vet check bench docs run demo demo-down fmt clean conformance fuzz

all: build

## build: every plugin binary, the local gateway (Kong-protocol harness) and the example upstream into bin/
# The first build from a cold module and build cache downloads ~35 modules and
# compiles ~400 packages, minutes on a small machine (README): it reports its
# progress instead of staying silent. go build -v names each package it
# compiles; compile errors and go's own messages pass through.
BINARIES := $(addprefix ./,$(PLUGINS)) ./kong/gateway ./examples/echo ./cmd/warden ./examples/idp
build:
	@mkdir -p $(BIN)
	@echo "build: $(words $(BINARIES)) binaries into $(BIN)/"
	@set -o pipefail; $(GO) build -v -o $(BIN)/ $(BINARIES) 2>&1 | awk '/^(go: |# |[^ ]+\.go:|\t)/ { print; fflush(); next } { n++; if (n % 50 == 0) { printf "build: %d packages compiled\n", n; fflush() } } END { if (n) printf "build: %d packages compiled, done\n", n }'

## vet: gofmt and go vet
vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## test: vet, then every test, end-to-end ones included (they build the real binaries); the
## plugins' end-to-end tests again in the warden-suite shape (WARDEN_SHAPE=suite: each scope's
## Warden plugins merged into one warden-suite entity, kong/harness/harnesstest/shape.go); then
## bench/leakguard's own module (gitleaks comparison: our recall must stay at least gitleaks'); then
## interop's (warden-auth against zitadel/oidc's example OpenID Provider)
test: vet
	$(GO) test -timeout 12m ./...
	WARDEN_SHAPE=suite $(GO) test -timeout 12m ./plugins/...
	$(GO) -C bench/leakguard vet ./...
	$(GO) -C bench/leakguard test ./...
	$(GO) -C interop vet ./...
	$(GO) -C interop test ./...

## cover: every test with coverage of every package, counting the plugin servers the end-to-end
## tests run as child processes (WARDEN_E2E_COVERDIR: harnesstest.BuildPlugins builds them with
## -cover); prints each package's percentage, then the total. Data and profile in $(COVERDIR).
COVERDIR ?= $(BIN)/cover
.PHONY: cover
cover:
	@rm -rf $(COVERDIR) && mkdir -p $(COVERDIR)/unit $(COVERDIR)/e2e
	WARDEN_E2E_COVERDIR=$(abspath $(COVERDIR)/e2e) $(GO) test -timeout 20m -covermode=atomic -coverpkg=github.com/warden-gw/warden/... ./... -args -test.gocoverdir=$(abspath $(COVERDIR)/unit)
	@echo "cover: each package, its tests and the end-to-end plugin servers merged:"
	@$(GO) tool covdata percent -i=$(COVERDIR)/unit,$(COVERDIR)/e2e
	@$(GO) tool covdata textfmt -i=$(COVERDIR)/unit,$(COVERDIR)/e2e -o $(COVERDIR)/cover.out
	@$(GO) tool cover -func=$(COVERDIR)/cover.out | tail -n 1

## check: validate kong/kong.yml offline as Kong and the plugins would (schemas, Validate, compile)
check:
	$(GO) run ./cmd/warden check -env kong/kong.yml

## conformance: record Kong's own verdicts (../shared/kong-oracle: schemas, declarative files,
## kong/conformance/cases; kong/tools/uri.lua over kong/conformance/uri/corpus.lua) for Kong 3.9.1
## and the mirror's newest, into kong/conformance; make test holds the harness and warden check
## to them. Needs MIRRORS (and KONG_MIRROR) as the oracle's README says. Run after any schema change.
ORACLE ?= ../shared/kong-oracle/run.sh
KONG_REFS ?= 3.9.1 HEAD
conformance:
	KONG_REFS="$(KONG_REFS)" $(ORACLE) -o kong/conformance/verdicts .
	KONG_MIRROR=$${KONG_MIRROR:-$$MIRRORS/Kong+kong/repo} kong/conformance/uri/record.sh $(KONG_REFS)
	$(GO) test ./cmd/warden -run TestConformanceSchemasCurrent -count=1 -args -update-digests

## docs: regenerate docs/plugins (a page per plugin from its config struct and -dump), the plugin table in docs/operations.md and the defaults stated in README.md and docs/*.md
docs:
	$(GO) run ./cmd/warden docs -ops docs/operations.md docs/plugins

## fuzz: run every fuzz target of the module for FUZZTIME each (default 20s); new failing inputs land in the package's testdata/fuzz.
## FUZZMINIMIZE bounds the shrinking of each new input (go's default, 60s, let FuzzIdentify spend whole runs shrinking its 5,000-byte seeds: 7,025 execs in 12 s, against 244,795 with 1s)
FUZZTIME ?= 20s
FUZZMINIMIZE ?= 5s
fuzz:
	@failed=""; for dir in $$($(GO) list -f '{{.Dir}}' ./...); do \
		pkg=./$${dir#$(CURDIR)/}; \
		for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | cut -c6-); do \
			echo "== $$pkg $$f"; $(GO) test $$pkg -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) || failed="$$failed $$pkg.$$f"; \
		done; \
	done; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

## bench: every benchmark and bench/leakguard; writes docs/benchmarks.md, each figure next to its baseline and goal
bench:
	$(GO) run ./cmd/warden bench -o docs/benchmarks.md

## run: build, then serve kong/kong.yml on $(LISTEN) through the local gateway with the example upstream and the demo IdP
run: build
	@$(BIN)/echo -listen $(ECHO_ADDR) & echo_pid=$$!; \
	$(BIN)/idp -listen $(IDP_ADDR) & idp_pid=$$!; \
	trap 'kill $$echo_pid $$idp_pid 2>/dev/null' EXIT INT TERM; \
	echo "run: audit events in $(AUDIT_LOG) (tail -f it); Kong's error log (notice and above) below"; \
	$(BIN)/gateway -config kong/kong.yml -plugins $(BIN) -listen $(LISTEN) -listen-tls $(LISTEN_TLS) -resolve echo=127.0.0.1 $(AUDIT_ARGS) $(METRICS_ARGS) $(GATEWAY_FLAGS)

## demo: the real Kong image with all plugins, Redis and the example upstream (needs Docker)
demo:
	docker compose up --build

demo-down:
	docker compose down

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)
