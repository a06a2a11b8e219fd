# gourd: build, demo and test. `make test` works on a fresh Debian 12 machine as root.
SWIFT ?= swift
SWIFTFLAGS ?=
STAGE ?= /tmp/gourd-test-stage
# Outside /tmp on purpose: the PMIx directories under the Slurm spool then reach the ranks only
# through gourd's own binds, as on a real cluster (/var/spool/slurmd), not through /tmp.
SLURM_STATE ?= /var/tmp/gourd-test-slurm
TEST_USER ?= gourdtest
DEMO ?= .testdata/demo
# SLURM=no skips the test cluster (and the Slurm/MPI tests), e.g. for a second test run beside
# another one on the same machine; FILTER=REGEX runs only the matching tests.
SLURM ?= auto
FILTER ?=
# Tools the tests install from registries (Snakemake from PyPI), kept between runs.
TOOLS ?= $(STAGE).tools
CLUSTER = $$( [ "$$(id -u)" = 0 ] && [ "$(SLURM)" != no ] && echo yes )

.PHONY: all build release dist dist-test images demo test test-enosys unit-test setup clean fmt lint fuzz-smoke bench-smoke

all: build

build:
	$(SWIFT) build $(SWIFTFLAGS)

# The Swift runtime, and libstdc++ when its archive is installed, are linked statically: loading
# libstdc++.so alone cost 0.7 ms of every launch here. The linker finds the archive through a
# one-line linker script named libstdc++.so placed first on its search path.
# The executable is not position-independent: a PIE of this size carries ~88,000 relative
# relocations that every start applies, copying the pages they touch (1-2 ms per launch, paid
# by every MPI rank). ASLR of gourd's own code protects nothing here: gourd runs with exactly
# its caller's rights, and shared libraries keep their randomized addresses.
# Nor does it export its own symbols: the static Swift runtime links with --export-dynamic,
# which put ~10,800 of gourd's symbols in .dynsym, and the runtime's start-up calls dladdr(3)
# once (its backtracer looks for its helper next to the runtime), which scans them all: 0.1-0.4
# ms of every launch. Nothing loads code that links back to gourd (libcurl is dlopen'ed with
# RTLD_LOCAL and needs only its own libraries); crash backtraces read .symtab, which stays.
# Type metadata through accessors, not mangled names: by default the compiler makes every
# first use of a concrete generic type (a [String: [String]], a Dictionary's storage) look the
# type up by its mangled name at run time, which demangles it and scans the binary's ~4,900
# protocol conformances for its requirements. A launch met dozens: ~0.4 ms of CPU (perf,
# 100 warm launches; the frontend flag the compiler has for runtimes without such lookups).
RELEASE_FLAGS = $(SWIFTFLAGS) -c release --static-swift-stdlib -Xlinker -L$(CURDIR)/.build/static-cxx -Xlinker -no-pie \
	-Xlinker --no-export-dynamic -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors
release:
	mkdir -p .build/static-cxx
	a=$$($(CXX) -print-file-name=libstdc++.a); \
	if [ -f "$$a" ]; then echo "INPUT($$a)" > .build/static-cxx/libstdc++.so; else rm -f .build/static-cxx/libstdc++.so; fi
	$(SWIFT) build $(RELEASE_FLAGS)

# One file for every cluster: DIST/gourd-VERSION-linux-x86_64.tar.gz. The release build's
# objects relinked (Packaging/link-dist.py) with libsquashfuse, libfuse3 and the compression
# libraries static and glibc 2.28's symbol versions (RHEL 8 and newer); the man page
# (swift-argument-parser's generate-manual, built with the same flags so the release link
# command stays the one link-dist replays), completions, README, examples, AppArmor profile and
# JobScripts packed reproducibly (Packaging/make-dist.sh; SOURCE_DATE_EPOCH: last commit).
DIST ?= dist
# Fixed once per make run, so the two packs of dist-test agree even across a commit. Exported
# to the dist targets only: mksquashfs (4.5+) refuses -mkfs-time/-all-time while it is set, and
# the tests check builds without it.
DIST_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null || echo 0))
dist dist-test: export SOURCE_DATE_EPOCH := $(DIST_EPOCH)
dist: release
	$(SWIFT) build $(RELEASE_FLAGS) --product generate-manual
	Packaging/link-dist.py .build $(DIST)/gourd
	Packaging/make-dist.sh $(DIST)/gourd .build/release/generate-manual $(DIST)

# The dist binary's checks: only glibc's shared libraries and nothing newer than GLIBC_2.28;
# the same tarball from a second pack and link; and, as $(TEST_USER), every subcommand under
# Debian 11's glibc 2.31 (root cached by setup-host.sh) plus gourd inside gourd, two levels.
# `make test` runs it (DIST_TEST=no skips it there).
BULLSEYE ?= /var/cache/gourd-test/debian-11-minbase
DEBIAN_BASE ?= /var/cache/gourd-test/debian-12-minbase.sqfs
DIST_TEST ?= yes
dist-test: dist
	Tests/Support/check-dist-binary.sh $(DIST)/gourd 2.28
	rm -rf $(DIST)/again && Packaging/link-dist.py .build $(DIST)/again/gourd >/dev/null && \
	Packaging/make-dist.sh $(DIST)/again/gourd .build/release/generate-manual $(DIST)/again >/dev/null && \
	for t in $(DIST)/*.tar.gz; do cmp "$$t" $(DIST)/again/$$(basename "$$t") || { echo "dist-test: $$t is not reproducible" >&2; exit 1; }; done
	rm -rf $(DIST)/again
	mkdir -p $(STAGE)/bin && chmod 0755 $(STAGE) $(STAGE)/bin && cp $(DIST)/gourd $(STAGE)/bin/gourd-dist
	Tests/Support/make-test-images.sh $(STAGE)/images >/dev/null && chmod -R a+rX $(STAGE)
	Tests/Support/dist-smoke.sh $(STAGE)/bin/gourd-dist $(BULLSEYE) $(STAGE)/images $(TEST_USER) $(STAGE)/dist-smoke
	Tests/Support/dist-nested.sh $(STAGE)/bin/gourd-dist $(DEBIAN_BASE) $(STAGE)/images $(TEST_USER)

# Installs packages, /dev/fuse mode and the test user (root); checks them otherwise.
setup:
	GOURD_TEST_USER=$(TEST_USER) Tests/Support/setup-host.sh

images:
	Tests/Support/make-test-images.sh .testdata/images

# Builds gourd and runs a real program in a tiny busybox image.
demo: setup release
	Tests/Support/make-test-images.sh $(DEMO) >/dev/null
	.build/release/gourd exec $(DEMO)/busybox-zstd.sqfs sh -c 'echo "hello from inside $$GOURD_CONTAINER, as $$(id -un) (uid $$(id -u)), in $$(pwd)"; grep " / / " /proc/self/mountinfo'

# The integration tests a second time on the kernel fallbacks (ENOSYS=no skips it): every gourd
# the tests start runs under Tests/Support/enosys.py, a seccomp filter making each system call
# Linux 4.18 lacks fail with ENOSYS (GOURD_TEST_WRAP, read by the test harness). Slurm and MPI
# tests are left out of that pass. ENOSYS_FILTER: which tests (default: FILTER, else all).
ENOSYS ?= yes
ENOSYS_FILTER ?= $(or $(FILTER),GourdIntegrationTests)
TEST_ENV = GOURD_TEST_REGISTRY_STATE=$(STAGE)/registry GOURD_TEST_BIN=$(STAGE)/bin/gourd \
	GOURD_TEST_IMAGES=$(STAGE)/images GOURD_TEST_USER=$(TEST_USER) GOURD_TEST_SCRATCH=$(STAGE)/scratch \
	GOURD_TEST_FAKE_GPU=$(STAGE)/fake-gpu GOURD_TEST_SNAKEMAKE=$(TOOLS)/snakemake/bin/snakemake

# Every test. As root, gourd runs as the unprivileged $(TEST_USER) from a world-readable
# stage directory (the checkout itself may not be readable by that user), and a two-node
# Slurm cluster with fake GPUs runs for the scheduler tests (stopped again, pass or fail).
test: setup lint
	$(SWIFT) build $(SWIFTFLAGS) --build-tests
	if [ -n "$(CLUSTER)" ]; then Tests/Support/slurm-cluster.sh stop $(SLURM_STATE); fi
	if [ -d $(STAGE)/registry ]; then Tests/Support/registry.sh stop $(STAGE)/registry; fi
	rm -rf $(STAGE) && mkdir -p $(STAGE)/bin && chmod 0755 $(STAGE) $(STAGE)/bin
	cp .build/debug/gourd $(STAGE)/bin/gourd
	cp Tests/Support/enosys.py $(STAGE)/bin/enosys.py
	Tests/Support/make-fake-gpu.sh $(STAGE)/fake-gpu
	Tests/Support/make-test-images.sh $(STAGE)/images $(STAGE)/fake-gpu >/dev/null
	Tests/Support/setup-snakemake.sh $(TOOLS)/snakemake
	chmod -R a+rX $(STAGE)
	if [ -z "$(FILTER)" ] && [ "$(SMOKE)" != no ]; then $(MAKE) --no-print-directory fuzz-smoke GOURD=$(STAGE)/bin/gourd IMAGES=$(STAGE)/images; fi
	if [ "$(DIST_TEST)" != no ]; then $(MAKE) dist-test STAGE=$(STAGE) TEST_USER=$(TEST_USER); fi
	if [ -n "$(CLUSTER)" ]; then Tests/Support/slurm-cluster.sh start $(SLURM_STATE) && \
		Tests/Support/make-mpi-image.sh $(STAGE)/images && chmod -R a+rX $(STAGE)/images; fi
	if [ -z "$(FILTER)" ] && [ "$(SMOKE)" != no ]; then $(MAKE) --no-print-directory bench-smoke GOURD_BIN=$(STAGE)/bin/gourd IMAGES=$(STAGE)/images; fi
	status=0; trap 'Tests/Support/registry.sh stop $(STAGE)/registry' EXIT INT TERM; \
	Tests/Support/registry.sh start $(STAGE)/registry && \
	if [ "$(PLAIN)" != no ]; then $(TEST_ENV) \
		GOURD_TEST_SLURM_CONF=$$( [ -n "$(CLUSTER)" ] && echo $(SLURM_STATE)/etc/slurm.conf ) \
		$(SWIFT) test $(SWIFTFLAGS) --skip-build $(if $(FILTER),--filter '$(FILTER)') || status=$$?; fi; \
	if [ -n "$(CLUSTER)" ]; then Tests/Support/slurm-cluster.sh stop $(SLURM_STATE); fi; \
	if [ "$(ENOSYS)" != no ]; then echo "== the tests again on the kernel fallbacks (enosys.py linux-4.18)"; $(TEST_ENV) \
		GOURD_TEST_WRAP="/usr/bin/python3 $(STAGE)/bin/enosys.py linux-4.18 --" GOURD_TEST_SLURM_CONF= \
		$(SWIFT) test $(SWIFTFLAGS) --skip-build --filter '$(ENOSYS_FILTER)' || status=$$?; fi; \
	exit $$status

# Only the kernel-fallback pass of `make test` (same set-up; no smoke tests, dist test or cluster).
test-enosys:
	$(MAKE) --no-print-directory test PLAIN=no SMOKE=no DIST_TEST=no SLURM=no

# Benchmarks/fs once with tiny sizes (busybox image, 200 files, 1 MB large files, 4 ranks) and
# Benchmarks/warm once with 5 tasks:
# keeps the script working; it times nothing worth reading. GOURD_BIN: the gourd to run.
GOURD_BIN ?= .build/debug/gourd
bench-smoke:
	Benchmarks/fs --tiny --runs 1 --ranks 4 --random-reads 10 --gourd $(GOURD_BIN) $$( [ "$$(id -u)" = 0 ] && echo --user $(TEST_USER) ) >/dev/null
	Benchmarks/warm --tiny --gourd $(GOURD_BIN) $(if $(IMAGES),--image $(IMAGES)/busybox-zstd.sqfs) $$( [ "$$(id -u)" = 0 ] && echo --user $(TEST_USER) ) >/dev/null

# Formatting: .swift-format (swift-format ships with the toolchain) and .clang-format for the C
# targets. `make fmt` rewrites; `make lint` (run first by `make test`) fails on any finding.
SWIFT_FORMAT_PATHS = Package.swift Sources Tests Fuzz
C_SOURCES = $(shell find Sources Tests/CGourdTestSupport -name '*.c' -o -name '*.h' -o -name '*.cpp')
CLANG_FORMAT ?= $(shell command -v clang-format 2>/dev/null)

fmt:
	$(SWIFT) format --in-place --recursive --parallel --configuration .swift-format $(SWIFT_FORMAT_PATHS)
	if [ -n "$(CLANG_FORMAT)" ]; then $(CLANG_FORMAT) -i $(C_SOURCES); fi

lint:
	$(SWIFT) format lint --strict --recursive --parallel --configuration .swift-format $(SWIFT_FORMAT_PATHS)
	if [ -n "$(CLANG_FORMAT)" ]; then $(CLANG_FORMAT) --dry-run --Werror $(C_SOURCES); else echo "lint: clang-format not installed, C not checked"; fi

# Robustness, briefly (about a minute with the harnesses built): every fuzz harness for a few
# thousand runs plus its regression inputs (Fuzz/run), gourd on corrupted images, SIGKILLed
# launches and concurrent launches (Tests/Support). Larger numbers: see Fuzz/README.md.
GOURD ?= .build/debug/gourd
IMAGES ?=
fuzz-smoke:
	Fuzz/run --keep-going --seconds 4
	Tests/Support/corrupt-images.py 30 --user $(TEST_USER) --gourd $(GOURD) $(if $(IMAGES),--images $(IMAGES))
	Tests/Support/kill-launches.py 40 --concurrent 32 --user $(TEST_USER) --gourd $(GOURD) $(if $(IMAGES),--image $(IMAGES)/busybox-zstd.sqfs)

unit-test:
	$(SWIFT) test $(SWIFTFLAGS) --filter 'GourdFormatsTests|GourdCoreTests|GourdRuntimeTests|GourdBuildTests|GourdCLITests'

clean:
	rm -rf .build .testdata $(STAGE) $(DIST)
