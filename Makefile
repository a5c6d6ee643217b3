# lode: make run | make test | make build | make bench | make soak | make fmt | make deps
BUILD_DIR ?= build
SAN_DIR ?= build-san
FUZZ_SECONDS ?= 10
FUZZ_SEED ?= 1
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DATA ?= ./lode-data
LISTEN ?= 127.0.0.1:3100
SOAK_MINUTES ?= 30
POWER_CUTS ?= 1000

.PHONY: all deps build run test san-build test-asan fuzz bench soak fmt clean cluster cluster-down

all: build

# Debian packages, then the npm packages of the web UI and of the client
# libraries the ingest tests drive (each from its package-lock.json;
# skipped when already installed from it).
deps:
	@bash scripts/install-deps.sh
	@for dir in web tests/clients; do \
	  if [ ! -f $$dir/node_modules/.package-lock.json ] || \
	     [ $$dir/package-lock.json -nt $$dir/node_modules/.package-lock.json ]; then \
	    npm ci --prefix $$dir --no-audit --no-fund --loglevel=error || exit 1; fi; done

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/lode serve --data $(DATA) --listen $(LISTEN)

# Every test: unit and integration tests of the Release build; the web UI
# in headless Chromium (its PASS/FAIL lines shown, screenshots in
# build/ui-screenshots/); then, from one clang build with AddressSanitizer
# and UndefinedBehaviorSanitizer, the unit tests again and a short run of
# every fuzz target.
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -LE ui
	ctest --test-dir $(BUILD_DIR) --output-on-failure --verbose -L ui
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz

# The sanitized build (clang, -O1): the libraries below transport, their
# unit tests and the libFuzzer targets.
san-build: deps
	@[ -f $(SAN_DIR)/build.ninja ] || CXX=clang++ cmake -S . -B $(SAN_DIR) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
	  -DLODE_FUZZ=ON -DLODE_UNIT_TESTS_ONLY=ON
	cmake -S . -B $(SAN_DIR) -DLODE_FUZZ_SECONDS=$(FUZZ_SECONDS) -DLODE_FUZZ_SEED=$(FUZZ_SEED) >/dev/null
	cmake --build $(SAN_DIR) -j $(JOBS)

test-asan: san-build
	ctest --test-dir $(SAN_DIR) --output-on-failure -j $(JOBS) -L unit

# Fuzz targets, each run for FUZZ_SECONDS from a fixed FUZZ_SEED
# (repeatable); e.g. make fuzz FUZZ_SECONDS=3600 FUZZ_SEED=0 for a long run
# from a random seed.
fuzz: san-build
	ctest --test-dir $(SAN_DIR) --output-on-failure -j $(JOBS) -L fuzz

# Micro-benchmarks, then lode beside rg, zstd and SQLite FTS5 on 1 GB
# corpora (bench/out/results.md); e.g. make bench BENCH_BYTES=200M.
bench: build
	bash bench/run.sh $(if $(BENCH_BYTES),--bytes $(BENCH_BYTES))

# The long forms of the durability tests: 1,000 power cuts under load
# (POWER_CUTS), then SOAK_MINUTES of mixed load on lode serve with a
# kill -9 every few minutes, RSS, files and threads sampled
# (scripts/soak.py, which prints its report and N passed, N failed).
soak: build
	LODE_POWER_CUT_CYCLES=$(POWER_CUTS) ./$(BUILD_DIR)/lode_audit_test --gtest_filter='PowerCutTest.*'
	python3 scripts/soak.py --minutes $(SOAK_MINUTES)

# A local cluster on loopback: 3 NATS JetStream nodes, a Ceph RGW bucket
# and 3 lode members (README, "Scaling out").
cluster: build
	bash scripts/cluster/cluster-up.sh

cluster-down:
	bash scripts/cluster/cluster-down.sh

fmt:
	find src tests fuzz bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(SAN_DIR)
