# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Sourced by the command-line tests: a tally of named checks.
#   ok NAME / bad NAME    count and print one result
#   check NAME CMD...     ok if CMD succeeds, else bad
#   summary [PREFIX]      print the tally; its status is 0 only if all passed
#   up_sandbox NAME       a private runtime directory for asvirt up ($RT, with
#                         $out a scratch file), stopped and removed at exit
#   fw_pid NAME           a running firmware's pid (asvirt status --json)
#   wait_restarted NAME N true once NAME runs again, channels up, after its
#                         Nth restart (10 s at most)
#   chan_echo FW/CHAN MSG...   each MSG answered with the same bytes on the
#                         channel socket $ASVIRT_RUNTIME_DIR/FW/CHAN
#   chan_send FW/CHAN MSG...   each MSG sent there, nothing read
#   chan_sizes FW/CHAN N  N round trips of 1..496 bytes, length and CRC
#                         checked (tests/cli/chan.py; p50/p99 on stdout)
# python3 by its real path, found once: a version manager's shim in front
# of it (pyenv's is a bash script that starts several more) costs a dozen
# processes per call, and these tests call it in loops. Its directory goes
# first in PATH (exported, so a test script's own children find it too),
# not a shell function: `python3 ... &` run as a function is a subshell, so
# $! would name that subshell and a kill would leave the interpreter
# running, holding ctest's output pipe open for as long as it sleeps.
if [ -z "${ASVIRT_PYTHON:-}" ]; then
	ASVIRT_PYTHON=$(command python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	export ASVIRT_PYTHON
fi
if [ "${ASVIRT_PYTHON##*/}" = python3 ] && [ -x "$ASVIRT_PYTHON" ]; then
	PATH="${ASVIRT_PYTHON%/*}:$PATH"
	export PATH
	hash -r
fi
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { # name, command...; false when it failed (check ... || show_why)
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; return 1; fi
}
summary() {
	echo "${1:+$1: }$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
up_sandbox() {
	RT=$(mktemp -d "/tmp/asvirt-$1-test.XXXXXX")
	export ASVIRT_RUNTIME_DIR=$RT/rt
	out=$RT/out
	trap '"$ASVIRT" stop >/dev/null 2>&1; rm -rf "$RT"' EXIT
}
fw_pid() {
	"$ASVIRT" status --json | python3 -c "
import json,sys; d=json.load(sys.stdin)
print([f['pid'] for f in d['firmware'] if f['name']=='$1'][0])"
}
wait_restarted() {
	for _ in $(seq 200); do
		"$ASVIRT" status --json >"$out" 2>/dev/null
		python3 -c "
import json; d=json.load(open('$out'))
f=[f for f in d['firmware'] if f['name']=='$1'][0]
assert f['restarts']==$2 and f['state']=='running' and f['channels']" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
CHAN_PY=$(dirname "${BASH_SOURCE[0]}")/chan.py
chan_echo() {
	local c=$1
	shift
	python3 "$CHAN_PY" echo "$ASVIRT_RUNTIME_DIR/$c" "$@" >/dev/null
}
chan_send() {
	local c=$1
	shift
	python3 "$CHAN_PY" send "$ASVIRT_RUNTIME_DIR/$c" "$@" >/dev/null
}
chan_sizes() {
	python3 "$CHAN_PY" sizes "$ASVIRT_RUNTIME_DIR/$1" "$2" "${3:-7}"
}
