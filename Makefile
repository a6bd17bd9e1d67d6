# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt: the README's entry points.
#   make demo    install what is missing, build, run the virtual AMP demo
#   make install PREFIX=/usr/local DESTDIR=
#                the command, library, headers, firmware, man pages
#   make check   every test: lint, unit/protocol/concurrency/hostile/process
#                tests under the plain, ASan+UBSan and TSan builds, the
#                fuzzers, the QEMU kernel suites (x86_64 and ARM) and the
#                Debian packages (scripts/check-deb.sh)
JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?=
# Object files cached outside the tree next to the kernels (Debian's ccache,
# keyed by compiler, flags and preprocessed source): make check configures
# three builds of the same sources, and a CI run rebuilds them all from a
# fresh clone. Without ccache (before scripts/deps.sh installed it) plain gcc.
ASVIRT_CACHE ?= $(HOME)/.cache/asvirt
export CCACHE_DIR ?= $(ASVIRT_CACHE)/ccache
export CCACHE_MAXSIZE ?= 2G
# Each CI run builds in a fresh clone at a new path. ccache rewrites the
# paths under the tree to relative ones (base_dir) and leaves the working
# directory out of the hash (it is hashed for -g builds because the debug
# info records it), so a clone hits what the previous clone compiled
# (about 1 hit in 5 before, all but a handful after). The price: an object
# taken from the cache names, in its debug info, the directory it was first
# compiled in.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1
# Ninja rather than make inside the build directories: with every object a
# ccache hit, a build is mostly the generator's own processes (the Makefile
# generator runs a cmake and a shell or two per target and per step), and
# a process is dear on a VM with page-table isolation. A directory configured
# before keeps its generator (CMake reads this variable only for a new one).
export CMAKE_GENERATOR ?= $(if $(shell command -v ninja),Ninja,Unix Makefiles)
LAUNCHER = $(if $(shell command -v ccache),-DCMAKE_C_COMPILER_LAUNCHER=ccache,-UCMAKE_C_COMPILER_LAUNCHER)

.PHONY: all deps build install demo bench check-qemu-arm check check-unit check-asan check-tsan check-lint \
	check-qemu check-qemu-6.12 qemu clean fuzz check-fuzz check-deb check-qemu-arm-vexpress \
	check-qemu-arm-bridge kernels

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) $(LAUNCHER) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# CMake's install rules (cmake/install.cmake says what goes where).
PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

demo: build
	./$(BUILD)/asvirt demo

# asvirt bench with a chart next to the build (1-2 minutes).
bench: build
	@scripts/deps.sh bench
	./$(BUILD)/asvirt bench --plot $(BUILD)/bench.png

# One build directory per flavour; each runs the whole ctest suite.
# cortexm before the build configures: the Cortex-M images and their tests
# need the cross toolchain (CMake skips them, saying so, only when it is absent).
check-unit:
	@scripts/deps.sh check cortexm
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check-asan:
	@scripts/deps.sh check cortexm
	@cmake -S . -B build-asan $(LAUNCHER) -DASVIRT_SANITIZE=address -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

check-tsan:
	@scripts/deps.sh check cortexm
	@cmake -S . -B build-tsan $(LAUNCHER) -DASVIRT_SANITIZE=thread -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j $(JOBS)

check-lint:
	@scripts/deps.sh check
	@scripts/lint.sh

# ARCH=x86_64 (default) or ARCH=arm (vexpress-a9, -smp 2..4, device tree; the
# bridge suite, qemu/check-bridge.sh, on virt -smp 2..4 with the same kernel):
# make check-qemu ARCH=arm, make qemu ARCH=arm. KVER=6.1 (default) or 6.12:
# the kernel (Debian's linux-source-KVER), e.g. make check-qemu KVER=6.12.
QEMU_ARCH = $(or $(ARCH),x86_64)
QEMU_KVER = $(or $(KVER),6.1)
QEMU_DEPS = qemu $(if $(filter arm,$(QEMU_ARCH)),arm)
QEMU_ENV = ARCH=$(QEMU_ARCH) KVER=$(QEMU_KVER)

check-qemu:
	@scripts/deps.sh $(QEMU_DEPS)
	@$(QEMU_ENV) bash qemu/checkpatch.sh
	@$(QEMU_ENV) BUILD=$(BUILD) bash qemu/check.sh
	@$(QEMU_ENV) BUILD=$(BUILD) bash qemu/check-bridge.sh

qemu:
	@scripts/deps.sh $(QEMU_DEPS)
	@$(QEMU_ENV) bash qemu/shell.sh

# libFuzzer harnesses (fuzz/): each runs FUZZ_SECONDS from its corpus
# (fuzz/corpus/NAME, seeded from fuzz/regress/NAME); crashes are written
# to build-fuzz/NAME-crash-* and belong in fuzz/regress/NAME afterwards.
FUZZ_SECONDS ?= 60
FUZZERS := fuzz_rsc fuzz_elf fuzz_host_used fuzz_remote_avail fuzz_fault_spec fuzz_ftrace
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -Icore/include -Icore/src -Ifuzz

# One object per source (core/src, the harness, the CLI files fuzz_ftrace
# reads), each compiled once through ccache and linked into every harness
# that needs it: the six harnesses used to compile all of core/src each.
FUZZ_CC := $(if $(shell command -v ccache),ccache clang,clang)
FUZZ_CORE_OBJS := $(patsubst core/src/%.c,build-fuzz/obj/core/%.o,$(wildcard core/src/*.c))
FUZZ_FTRACE_OBJS := build-fuzz/obj/cli/trace_ftrace.o build-fuzz/obj/cli/trace_sink.o

build-fuzz/.deps-checked:
	@scripts/deps.sh check
	@mkdir -p $(@D) && touch $@
build-fuzz/obj/core/%.o: core/src/%.c | build-fuzz/.deps-checked
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
build-fuzz/obj/cli/%.o: cli/%.c | build-fuzz/.deps-checked
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Icli -MMD -MP -c $< -o $@
build-fuzz/obj/fuzz/%.o: fuzz/%.c | build-fuzz/.deps-checked
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Icli -MMD -MP -c $< -o $@
-include $(wildcard build-fuzz/obj/*/*.d)
.PRECIOUS: build-fuzz/obj/fuzz/%.o

build-fuzz/%: build-fuzz/obj/fuzz/%.o $(FUZZ_CORE_OBJS)
	clang $(FUZZ_CFLAGS) $^ -o $@

# asvirt trace convert's reader: the CLI's parser and collector on the core.
build-fuzz/fuzz_ftrace: build-fuzz/obj/fuzz/fuzz_ftrace.o $(FUZZ_FTRACE_OBJS) $(FUZZ_CORE_OBJS)
	clang $(FUZZ_CFLAGS) $^ -lpthread -o $@

fuzz: $(addprefix build-fuzz/,$(FUZZERS))
	@scripts/fuzz-run.sh $(FUZZ_SECONDS) $(JOBS) $(FUZZERS)

# The fuzzers built JOBS at a time, then run JOBS at a time.
check-fuzz:
	@$(MAKE) --no-print-directory -j $(JOBS) $(addprefix build-fuzz/,$(FUZZERS))
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

# The Debian packages: build, lintian, install (a throwaway root; as root
# with CHECK_DEB_FLAGS=--dpkg: dpkg -i), asvirt demo from the package, DKMS
# against the QEMU suite's x86_64 kernel tree (after check-qemu: cached).
check-deb:
	@scripts/check-deb.sh $(CHECK_DEB_FLAGS)

check-qemu-arm:
	@$(MAKE) --no-print-directory check-qemu ARCH=arm

# The ARM suite's two halves, which make check runs side by side with the
# x86_64 suites: the vexpress suite, and the bridge (virt, the Cortex-M
# board) in a build directory of its own (its own module and initramfs).
check-qemu-arm-vexpress:
	@scripts/deps.sh qemu arm
	@ARCH=arm KVER=6.1 bash qemu/checkpatch.sh
	@ARCH=arm KVER=6.1 BUILD=$(BUILD) bash qemu/check.sh

check-qemu-arm-bridge:
	@scripts/deps.sh qemu arm
	@ARCH=arm KVER=6.1 BUILD=$(BUILD) ASVIRT_QEMU_OUT=$(CURDIR)/build/qemu-arm-bridge \
		bash qemu/check-bridge.sh

# Every kernel the QEMU suites and check-deb boot or build against, and the
# ARM busybox, built or found in the cache ($(ASVIRT_CACHE)) one after the
# other, so that the suites running side by side never build one twice at
# once (a cold cache: each build uses every core anyway).
kernels:
	@scripts/deps.sh qemu arm kernels
	@KVER=6.1 qemu/build-kernel.sh x86_64 >/dev/null
	@KVER=6.12 qemu/build-kernel.sh x86_64 >/dev/null
	@KVER=6.1 qemu/build-kernel.sh arm >/dev/null
	@ARCH=arm bash -c '. qemu/lib.sh && asvirt_busybox_armhf >/dev/null'

# The module on the other long-term kernel Debian ships (x86_64).
check-qemu-6.12:
	@$(MAKE) --no-print-directory check-qemu ARCH=x86_64 KVER=6.12

# A+B: side by side (scripts/check-all.sh says which suites can); what they
# install is installed first, since two apt-gets at once would collide.
# Grouped so that each group keeps both cores busy (the CPU column of the
# table make check prints) without more QEMU vCPUs than cores in a group
# (a TCG guest's vCPU spinning on a lock whose holder is descheduled burns
# CPU: four guests at once took longer than two groups of two). The three
# ctest builds go together: their tests mostly wait on each other's
# threads, processes and time windows, so two cores take them all at once
# (lint+unit, then ASan+TSan+fuzz: 181 + 303 s; all five: 286 s). The
# kernels are built before the suites that use them.
CHECK_SUITES := check-lint+check-unit+check-asan+check-tsan+check-fuzz kernels \
	check-qemu+check-qemu-6.12 check-qemu-arm-vexpress+check-qemu-arm-bridge+check-deb

check:
	@scripts/deps.sh check cortexm qemu arm kernels deb
	@scripts/check-all.sh $(CHECK_SUITES)

clean:
	rm -rf build build-asan build-tsan build-fuzz
