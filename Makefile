# rtrplay build, test and demo targets. Go 1.26.8; see README.md.
GO      ?= go
BIN     := bin/rtrplay
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build test test-race demo bench fuzz vet clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/rtrplay

# The memory tests, which race instrumentation would distort, then the
# whole suite under the race detector. Benchmarks and long fuzzing have
# their own targets.
test: vet
	$(GO) test -count=1 -timeout 10m -run 'MemoryStaysFlat' ./rtr
	$(GO) test -race -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

# Serves the emulator with the demo fleet and applies the containment
# playbook against it; the evidence lands in runs/demo-<time>.
demo: build
	bash scripts/demo.sh

# Five runs of each benchmark, for medians; the 2 GiB download takes about
# 40 s a run, so it runs three times on its own.
bench:
	$(GO) test -run '^$$' -bench . -skip 'Download2GiB' -benchmem -count 5 ./...
	$(GO) test -run '^$$' -bench 'Download2GiB' -count 3 ./rtr

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./playbook

clean:
	rm -rf bin
