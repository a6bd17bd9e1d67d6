#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# The bash completion (completion/asvirt), sourced as bash-completion
# does and called as bash calls it: COMP_WORDS/COMP_CWORD in, COMPREPLY
# out. Subcommands, options of one subcommand, option values, firmware
# files for up/fw-check, and the running system's firmware names for
# crash/log (from `asvirt status --json` of a real asvirt up).
# Usage: test_completion.sh PATH/TO/asvirt FIRMWARE_DIR COMPLETION_FILE
set -u
ASVIRT=$1
FW=$2
COMPLETION=$3
. "$(dirname "$0")/checks.sh"

up_sandbox completion
# the completion runs `asvirt`, as the user's shell would find it
mkdir -p "$RT/bin"
ln -s "$(readlink -f "$ASVIRT")" "$RT/bin/asvirt"
export PATH=$RT/bin:$PATH
# shellcheck disable=SC1090
. "$COMPLETION"
check "registers _asvirt for asvirt" bash -c ". '$COMPLETION'; complete -p asvirt | grep -q -- '-F _asvirt asvirt$'"

# complete WORD...: the words of the line, the last one being completed;
# prints COMPREPLY sorted, space separated
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_asvirt asvirt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() { # name, expected, words...
	local name=$1 want=$2 got
	shift 2
	got=$(complete_line "$@")
	if [ "$got" = "$want" ]; then ok "$name"; else bad "$name: got '$got', want '$want'"; fi
}

# every command `asvirt --help` lists, so a new one cannot be left out
cmds=$("$ASVIRT" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
want=$(printf '%s\n' --help $cmds | sort | tr '\n' ' ' | sed 's/ $//')
check "asvirt --help lists commands" test -n "$cmds"
expect "subcommands" "$want" asvirt ""
# every option a command's --help shows in its usage and option lines is
# offered (an option added to a command cannot be left out)
for c in $cmds; do
	o=$("$ASVIRT" "$c" --help 2>&1 | grep -E '^ *(usage:|asvirt |--)' |
		grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	offered=" $(complete_line asvirt "$c" --) "
	missing=""
	for x in $o; do
		case "$offered" in *" $x "*) ;; *) missing="$missing $x" ;; esac
	done
	check "$c: every option of its --help offered${missing:+ (missing:$missing)}" test -z "$missing"
done
expect "conform options" "--help --json --junit --quick --restarts" asvirt conform --
expect "subcommand prefix" "fw-build fw-check" asvirt fw
expect "demo options" "--count --explain --help --log-level --pcap --process --target --timeout --trace --verbose" asvirt demo --
expect "status options" "--help --json --runtime-dir" asvirt status --
expect "log options" "--follow --help --last --runtime-dir" asvirt log --
expect "up option prefix" "--detach --doorbell" asvirt up --d
expect "--log-level values" "debug error info warning" asvirt demo --log-level ""
expect "up --linux --arch values" "arm x86_64" asvirt up --linux --arch ""
expect "--doorbell values" "eventfd futex" asvirt up --doorbell ""
expect "--target value" "cortex-m4" asvirt demo --target c
expect "trace: its subcommands" "convert stop" asvirt trace ""
touch "$RT/cap.txt"
expect "trace convert: a capture file" "$RT/cap.txt" asvirt trace convert --json x.json "$RT/ca"
expect "bench --save: a file" "$RT/cap.txt" asvirt bench --save "$RT/ca"

# firmware files: *.so and *.elf (and directories), nothing else
mkdir -p "$RT/fw/sub"
touch "$RT/fw/a.so" "$RT/fw/b.elf" "$RT/fw/notes.txt" "$RT/fw/c.c"
expect "up: firmware files" "$RT/fw/a.so $RT/fw/b.elf $RT/fw/sub" asvirt up "$RT/fw/"
expect "up: after options" "$RT/fw/a.so $RT/fw/b.elf $RT/fw/sub" asvirt up -d --watchdog 500 "$RT/fw/"
expect "fw-check: firmware files" "$RT/fw/a.so $RT/fw/b.elf $RT/fw/sub" asvirt fw-check "$RT/fw/"
expect "conform: firmware files" "$RT/fw/a.so $RT/fw/b.elf $RT/fw/sub" asvirt conform "$RT/fw/"
expect "fw-build: C sources" "$RT/fw/c.c $RT/fw/sub" asvirt fw-build "$RT/fw/"
expect "--runtime-dir: directories" "$RT/fw/sub" asvirt status --runtime-dir "$RT/fw/"

# running firmware names, from asvirt status --json
expect "crash: nothing running, nothing offered" "" asvirt crash ""
timeout 60 "$ASVIRT" up -d "$FW/asvirt-echo.so" "$FW/asvirt-client-sample.so" >"$out" 2>&1
check "up -d two firmware" test $? -eq 0
expect "crash: running firmware" "client-sample echo" asvirt crash ""
expect "log: running firmware, prefix" "echo" asvirt log e
expect "log --last: running firmware" "client-sample echo" asvirt log --last ""
# another runtime directory (nothing runs there): the one on the line counts
expect "crash --runtime-dir elsewhere: nothing" "" asvirt crash --runtime-dir "$RT/fw" ""
"$ASVIRT" stop >/dev/null 2>&1
expect "crash: stopped, nothing offered" "" asvirt crash ""

summary
