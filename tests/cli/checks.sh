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
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { # name, command...
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
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
