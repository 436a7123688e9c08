# cloudchain — one entry point for building, testing, fuzzing and benchmarking.
#   make test        install packages, build, run unit tests, TSan tests, fuzz smoke, bench smoke, lint
#   make tsan        the multi-threaded tests (node, API, P2P) under ThreadSanitizer (clang-19)
#   make run         install packages, build, start a 4-node PoW devnet on loopback with light load
#   make explorer    npm ci (when package-lock.json changed) and build the web explorer into explorer/dist
#   make vectors     print the protocol test vectors
#   make fuzz        run every fuzz target longer (FUZZ_SECONDS, default 300)
#   make bench       run all benchmarks and print the figures for docs/benchmarks.md
#   make bench-api   HTTP API read load with wrk against a real node (not part of make test)
#   make bench-sync  sync speed of a fresh node from a loaded local peer, as a ratio to verify/s
#   make bench-propagation  block propagation latency across 4 real nodes (not part of make test)
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
# The tests whose code runs on several threads: the node's actor and queues, the API's
# deferred answers, the P2P network (docs/testing.md).
TSAN_TESTS ?= node_test api_test p2p_net_test
FUZZ_SECONDS ?= 300
SMOKE_FUZZ_SECONDS ?= 5
JOBS ?= $(shell nproc)
export BUILD FUZZ_BUILD
# ccache hits across clones (CI builds a fresh clone in another folder).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps configure explorer build test unit tsan fuzz-build fuzz-smoke fuzz bench bench-smoke bench-api bench-propagation bench-sync lint format run vectors clean

all: build

deps:
	scripts/install-deps.sh

configure:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLOUDCHAIN_WERROR=ON

# The explorer bundle (TypeScript -> explorer/dist) is built before the C++, which embeds
# it into cloudchaind (docs/decisions.md, "Explorer assets"). npm ci runs only when the
# lock file is newer than the installed tree.
explorer/node_modules/.package-lock.json: explorer/package.json explorer/package-lock.json
	cd explorer && npm ci --no-audit --no-fund --loglevel=error

explorer: explorer/node_modules/.package-lock.json
	cd explorer && npm run --silent build

build: configure explorer
	cmake --build $(BUILD) -j $(JOBS)

unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

fuzz-build:
	CC=clang-19 CXX=clang++-19 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCLOUDCHAIN_FUZZ=ON -DCLOUDCHAIN_WERROR=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz-smoke: fuzz-build
	scripts/fuzz.sh $(SMOKE_FUZZ_SECONDS)

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_SECONDS)

bench-smoke: build
	scripts/bench.sh --smoke

bench: build
	scripts/bench.sh

bench-api: deps build
	scripts/bench-api.sh

bench-sync: deps build
	scripts/bench-sync.py --build $(BUILD)

bench-propagation: build
	scripts/bench-propagation.py $(BENCH_PROPAGATION_ARGS)

lint: build
	scripts/lint.sh

format:
	git ls-files -- '*.cpp' '*.hpp' | xargs clang-format-19 -i

tsan:
	CC=clang-19 CXX=clang++-19 cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCLOUDCHAIN_BENCH=OFF -DCMAKE_CXX_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TESTS)
	TSAN_OPTIONS="suppressions=$(CURDIR)/scripts/tsan.supp halt_on_error=1 second_deadlock_stack=1 external_symbolizer_path=/usr/lib/llvm-19/bin/llvm-symbolizer" \
	  scripts/run-tsan.sh $(TSAN_BUILD) $(TSAN_TESTS)

test: deps
	$(MAKE) unit
	$(MAKE) tsan
	$(MAKE) fuzz-smoke
	$(MAKE) bench-smoke
	$(MAKE) lint

run: deps build
	scripts/run-devnet.sh

vectors: build
	$(BUILD)/apps/cloudchain-vectors

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)
