#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# `cmake --install` into a DESTDIR, then use the result as a user would:
# the files where README says, the library's SONAME and exports (only the
# public API), the headers as a whole, an application outside the tree
# built with pkg-config (shared and static) and with CMake (find_package),
# the man pages rendered by man, and the installed command's demo (in
# process, and with the runner and firmware image found relative to the
# installed command).
# Usage: test_install.sh BUILD_DIR SOURCE_DIR CC CORTEX_M(ON|OFF) MAN(ON|OFF)
set -u
BUILD=$1 SRC=$2 CC=$3 CM=$4 MAN=$5
. "$SRC/tests/cli/checks.sh"

T=$(mktemp -d /tmp/asvirt-install-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
# a prefix other than the configured one: the install must follow it
PREFIX=/opt/asvirt-test
R=$T/root$PREFIX
unset ASVIRT_RUNNER ASVIRT_FIRMWARE_DIR

DESTDIR=$T/root cmake --install "$BUILD" --prefix "$PREFIX" >"$T/install.log" 2>&1
check "cmake --install into a DESTDIR" test $? -eq 0
check "nothing installed outside DESTDIR" bash -c "! grep -v ' $T/root/' '$T/install.log' | grep -q '^-- \(Installing\|Up-to-date\)'"

# ---- the files -------------------------------------------------------
check "bin/asvirt" test -x "$R/bin/asvirt"
check "libexec/asvirt/asvirt-fw-runner" test -x "$R/libexec/asvirt/asvirt-fw-runner"
for app in echo client-sample bench-source; do
	check "lib/asvirt/firmware/asvirt-$app.so" test -f "$R/lib/asvirt/firmware/asvirt-$app.so"
	if [ "$CM" = ON ]; then
		check "lib/asvirt/firmware/cortex-m/asvirt-$app.elf" \
			test -f "$R/lib/asvirt/firmware/cortex-m/asvirt-$app.elf"
	fi
done
check "the test-only hostile image is not installed" test ! -e "$R/lib/asvirt/firmware/asvirt-hostile.so"
if [ "$CM" = ON ]; then
	check "only the apps' Cortex-M images installed" \
		test "$(ls "$R/lib/asvirt/firmware/cortex-m" | wc -l)" -eq 3
fi
check "bash completion" test -f "$R/share/bash-completion/completions/asvirt"

so=$(find "$R" -name 'libasvirt.so.*.*.*' | head -1)
LIBDIR=$(dirname "${so:-$R/lib/x}")
check "libasvirt.so.MAJOR.MINOR.PATCH" test -n "$so"
check "SONAME libasvirt.so.0" bash -c "readelf -d '$so' | grep -q 'Library soname: \[libasvirt.so.0\]'"
check "libasvirt.so.0 -> the library" test "$(readlink -f "$LIBDIR/libasvirt.so.0")" = "$(readlink -f "$so")"
check "libasvirt.so (link-time name)" test "$(readlink -f "$LIBDIR/libasvirt.so")" = "$(readlink -f "$so")"
check "libasvirt.a" test -f "$LIBDIR/libasvirt.a"
check "pkg-config file" test -f "$LIBDIR/pkgconfig/asvirt.pc"
check "CMake package" test -f "$LIBDIR/cmake/asvirt/asvirtConfig.cmake"

# ---- headers: every public include directory, as a whole --------------
nh=0
for h in "$SRC"/*/include/asvirt/*.h "$SRC"/port/*/include/asvirt/*.h; do
	nh=$((nh + 1))
	cmp -s "$h" "$R/include/asvirt/$(basename "$h")" || bad "header $(basename "$h") installed"
done
check "all $nh public headers installed" test "$(ls "$R/include/asvirt" | wc -l)" -eq "$nh"
hfail=""
for h in "$R"/include/asvirt/*.h; do
	# each one compiles on its own from the install (no internal header needed)
	echo "#include <asvirt/$(basename "$h")>" | $CC -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-fsyntax-only -I"$R/include" -x c - 2>>"$T/hdr.log" || hfail="$hfail $(basename "$h")"
done
check "each installed header compiles alone${hfail:+ (not:$hfail)}" test -z "$hfail"

# ---- exports: the public API and nothing else -------------------------
nm -D --defined-only "$so" | awk '$2 != "A" {sub(/@.*/, "", $3); print $3}' | sort >"$T/exported"
cat "$R"/include/asvirt/*.h >"$T/headers"
leaks=$(while read -r s; do grep -qw "$s" "$T/headers" || echo "$s"; done <"$T/exported" | tr '\n' ' ')
check "every exported symbol is in a public header${leaks:+ (leaked: $leaks)}" test -z "$leaks"
check "exported symbols are asv_* only" bash -c "! grep -qv '^asv_' '$T/exported'"
for s in asv_vsys_start asv_host_register_driver asv_channel_send asv_send asv_create_ept \
	asv_strerror asv_app_echo asv_proc_start asv_rsc_validate; do
	check "exports $s" grep -qx "$s" "$T/exported"
done
# an internal function of the core (core/src), in the static library but
# not exported from the shared one
internal=$(nm --defined-only "$LIBDIR/libasvirt.a" 2>/dev/null | awk '$2 == "T" {print $3}' |
	grep '^asv_' | sort -u | comm -23 - "$T/exported" | head -1)
check "an internal function exists (${internal:-none}) and is not exported" test -n "$internal"

# ---- an application outside the tree ------------------------------------
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$T/root
cflags=$(pkg-config --cflags asvirt) && libs=$(pkg-config --libs asvirt)
check "pkg-config asvirt" test $? -eq 0
check "pkg-config --modversion" test "$(pkg-config --modversion asvirt)" = "$(sed -n 's/^project(asvirt VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")"
app=$SRC/tests/install/app/echo_app.c
# shellcheck disable=SC2086
$CC -std=c11 -Wall -Werror $cflags "$app" -o "$T/echo_pc" $libs 2>"$T/pc.log"
check "pkg-config: builds" test $? -eq 0
check "pkg-config: linked to libasvirt.so.0" bash -c "readelf -d '$T/echo_pc' | grep -q 'NEEDED.*libasvirt.so.0'"
check "pkg-config: runs, message echoed" \
	bash -c "LD_LIBRARY_PATH='$LIBDIR' '$T/echo_pc' | grep -qx 'echo: hello asvirt'"
# shellcheck disable=SC2086
$CC -std=c11 -Wall -Werror $cflags "$app" -o "$T/echo_static" \
	-L"$LIBDIR" -Wl,-Bstatic -lasvirt -Wl,-Bdynamic $(pkg-config --libs-only-other --static asvirt) \
	2>"$T/static.log"
check "pkg-config, static: builds" test $? -eq 0
check "pkg-config, static: no libasvirt.so needed" bash -c "! readelf -d '$T/echo_static' | grep -q libasvirt"
check "pkg-config, static: runs" bash -c "'$T/echo_static' | grep -qx 'echo: hello asvirt'"

for target in asvirt::asvirt asvirt::asvirt_static; do
	b=$T/cmake-${target#asvirt::}
	cmake -S "$SRC/tests/install/app" -B "$b" -DCMAKE_PREFIX_PATH="$R" -DCMAKE_C_COMPILER="$CC" \
		-DASVIRT_TARGET=$target \
		>"$b.log" 2>&1 && cmake --build "$b" >>"$b.log" 2>&1
	check "CMake find_package, $target: builds" test $? -eq 0
	check "CMake, $target: runs" bash -c "LD_LIBRARY_PATH='$LIBDIR' '$b/echo_app' | grep -qx 'echo: hello asvirt'"
done
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# ---- man pages: asvirt(1) and one per command of `asvirt --help` ------
cmds=$("$R/bin/asvirt" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
check "asvirt --help lists commands" test -n "$cmds"
[ "$MAN" = ON ] || echo "test_install: help2man was not found: the man pages are not checked"
[ "$MAN" = ON ] && for page in asvirt $(printf 'asvirt-%s ' $cmds); do
	f=$R/share/man/man1/$page.1
	MANWIDTH=80 man --warnings -l "$f" >"$T/man.out" 2>"$T/man.err"
	check "man -l $page.1 renders, no warning" bash -c "[ \$? -eq 0 ] && [ ! -s '$T/man.err' ] && grep -q '^NAME' '$T/man.out'"
done

# ---- the installed command --------------------------------------------
"$R/bin/asvirt" demo -n 3 >"$T/demo.out" 2>&1
check "installed asvirt demo" bash -c "[ \$? -eq 0 ] && grep -q 'goodbye!$' '$T/demo.out'"
"$R/bin/asvirt" demo --process -n 3 >"$T/demo.out" 2>&1
check "installed asvirt demo --process (runner and image from the prefix)" \
	bash -c "[ \$? -eq 0 ] && grep -q 'goodbye!$' '$T/demo.out'"
if [ "$CM" = ON ] && command -v qemu-system-arm >/dev/null; then
	"$R/bin/asvirt" demo --target cortex-m4 -n 3 >"$T/demo.out" 2>&1
	check "installed asvirt demo --target cortex-m4" \
		bash -c "[ \$? -eq 0 ] && grep -q 'goodbye!$' '$T/demo.out'"
fi
# fw-build from the install compiles against the installed headers (a
# compiler wrapper records the command line)
printf '#!/bin/sh\necho "$@" >"%s"\nexec cc "$@"\n' "$T/cc.args" >"$T/cc-wrap"
chmod +x "$T/cc-wrap"
CC=$T/cc-wrap "$R/bin/asvirt" fw-build "$SRC/apps/echo.c" "$SRC/firmware/fw_echo.c" -o "$T/my.so" \
	>"$T/fw-build.log" 2>&1
check "installed asvirt fw-build builds a firmware image" test $? -eq 0
check "fw-build: the installed headers, not the source tree's" \
	bash -c "grep -q -- '-I$R/bin/../include' '$T/cc.args' && ! grep -q -- '-I$SRC' '$T/cc.args'"
"$R/bin/asvirt" up -d --runtime-dir "$T/rt" "$T/my.so" >"$T/up.log" 2>&1
check "the image built from the install runs under the installed asvirt up" test $? -eq 0
"$R/bin/asvirt" stop --runtime-dir "$T/rt" >/dev/null 2>&1

# fw-build --target cortex-m4 from the install: the installed library,
# linker script and headers, nothing of the source tree (the compiler's
# command line and response file recorded by a wrapper)
if [ "$CM" = ON ]; then
	check "lib/asvirt/cortex-m4: the library, the linker script, the flags" \
		test -f "$R/lib/asvirt/cortex-m4/libasvirt-cm4.a" -a -f "$R/lib/asvirt/cortex-m4/mps2_an386.ld" \
		-a -f "$R/lib/asvirt/cortex-m4/cortex-m4-flags.rsp"
	printf '#!/bin/sh\necho "$@" >"%s"\ncat "$(echo "$1" | cut -c2-)" >>"%s"\nexec arm-none-eabi-gcc "$@"\n' \
		"$T/cm.args" "$T/cm.args" >"$T/cm-wrap"
	chmod +x "$T/cm-wrap"
	ASVIRT_CM_CC=$T/cm-wrap "$R/bin/asvirt" fw-build --target cortex-m4 "$SRC/apps/echo.c" \
		"$SRC/port/cortex-m/fw_echo.c" -o "$T/my.elf" >"$T/fw-build-cm.log" 2>&1
	check "installed asvirt fw-build --target cortex-m4 builds a Cortex-M image" \
		grep -q "my.elf: ELF32 ARM executable" "$T/fw-build-cm.log"
	check "fw-build --target cortex-m4: the installed files, not the source tree's" \
		bash -c "grep -q -- '-I$R/bin/../include' '$T/cm.args' &&
			grep -q -- '$R/bin/../lib/asvirt/cortex-m4/libasvirt-cm4.a' '$T/cm.args' &&
			! grep -v -- '$SRC/\(apps/echo\|port/cortex-m/fw_echo\)\.c' '$T/cm.args' | grep -q -- '$SRC'"
	if command -v qemu-system-arm >/dev/null; then
		timeout 60 "$R/bin/asvirt" up -d --runtime-dir "$T/rt" "$T/my.elf" >"$T/up-cm.log" 2>&1
		check "the Cortex-M image built from the install runs under asvirt up" test $? -eq 0
		ASVIRT_RUNTIME_DIR=$T/rt
		check "  ... and echoes" chan_echo my/rpmsg-echo "from the install"
		"$R/bin/asvirt" stop --runtime-dir "$T/rt" >/dev/null 2>&1
	fi
fi

[ "$fail" -eq 0 ] || for l in "$T"/*.log "$T"/*.err; do [ -s "$l" ] && { echo "== $l"; tail -20 "$l"; }; done
summary
