# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt: the README's entry points.
#   make demo    install what is missing, build, run the virtual AMP demo
#   make check   every test: unit/protocol/concurrency/hostile under the
#                plain, ASan+UBSan and TSan builds, lint, and the QEMU suite
JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: all deps build demo check check-unit check-asan check-tsan check-lint \
	check-qemu qemu clean

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/asvirt demo

# One build directory per flavour; each runs the whole ctest suite.
check-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check-asan:
	@scripts/deps.sh check
	@cmake -S . -B build-asan -DASVIRT_SANITIZE=address -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

check-tsan:
	@scripts/deps.sh check
	@cmake -S . -B build-tsan -DASVIRT_SANITIZE=thread -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j $(JOBS)

check-lint:
	@scripts/deps.sh check
	@scripts/lint.sh

check-qemu:
	@scripts/deps.sh qemu
	@bash qemu/checkpatch.sh
	@bash qemu/check.sh

qemu:
	@scripts/deps.sh qemu
	@bash qemu/shell.sh

check: check-lint check-unit check-asan check-tsan check-qemu
	@echo "make check: all suites passed"

clean:
	rm -rf build build-asan build-tsan
