# sigil: the two quick-start commands are `make run` and `make check`.
JOBS ?= $(shell nproc)
BUILD ?= build
CHECK_BUILD ?= build-check
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
CHECK_FUZZ_SECONDS ?= 5

.PHONY: all deps build run check release-secrets fuzz clean bench torture torture-pg valgrind bench-compare

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSIGIL_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@test -x $(BUILD)/sigil

# Sets up ./var (config, passphrase, demo keys) on first use, then serves.
run: build
	@scripts/quickstart.sh $(BUILD)

# Every test, built with AddressSanitizer and UndefinedBehaviorSanitizer.
check:
	@scripts/deps.sh --test
	@cmake -S . -B $(CHECK_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSIGIL_SANITIZE=ON -DSIGIL_TEST_HOOKS=ON >/dev/null
	@cmake --build $(CHECK_BUILD) -j$(JOBS)
	@cd $(CHECK_BUILD) && ctest --output-on-failure -j$(JOBS)
	@$(MAKE) --no-print-directory release-secrets
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)

# sigild's memory, a core taken with gcore included, scanned for every demo
# secret once more, in the release build that `make run` serves from: gcore
# cannot dump a process under AddressSanitizer (terabytes of shadow memory),
# so the sanitizer build's run of this test scans the live memory only.
release-secrets: build
	@cd $(BUILD) && SIGIL_BIN_DIR=$(CURDIR)/$(BUILD) SIGIL_SOURCE_DIR=$(CURDIR) \
		bash $(CURDIR)/tests/integration/test_enclave_secrets.sh

# libFuzzer harnesses in fuzz/, each run for FUZZ_SECONDS on its corpus.
fuzz:
	@scripts/deps.sh --test
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DSIGIL_FUZZ=ON -DSIGIL_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS)
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Benchmarks: figures printed and written to bench/results.json.
bench: deps
	@scripts/deps.sh --test
	@scripts/bench.sh

# Two versions benchmarked in one run, interleaved: BASE (a commit-ish) against
# the working tree, or against NEW if given; writes bench/compare.json.
BASE ?= HEAD~1
NEW ?=
COMPARE_ROUNDS ?= 2
bench-compare: deps
	@scripts/deps.sh --test
	@COMPARE_ROUNDS='$(COMPARE_ROUNDS)' scripts/bench_compare.sh '$(BASE)' '$(NEW)'

# The long crash tests: kill -9 sigild at random while it signs
# (TORTURE_ROUNDS), then the PostgreSQL store's (torture-pg, below).
TORTURE_ROUNDS ?= 1000
torture:
	@scripts/deps.sh --test
	@scripts/torture.sh $(TORTURE_ROUNDS)
	@scripts/torture.sh --pg $(TORTURE_PG_ROUNDS)

# The PostgreSQL watermark store's crash test: two sigild instances on one
# database, killed (kill -9) and cut off from it under load, then a
# failover (TORTURE_PG_ROUNDS).
TORTURE_PG_ROUNDS ?= 200
torture-pg:
	@scripts/deps.sh --test
	@scripts/torture.sh --pg $(TORTURE_PG_ROUNDS)

# The integration tests under valgrind memcheck: no leak, no invalid access.
valgrind:
	@scripts/deps.sh --test
	@scripts/valgrind.sh

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(FUZZ_BUILD)
