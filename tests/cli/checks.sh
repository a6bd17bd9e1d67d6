# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Sourced by the command-line tests: a tally of named checks.
#   ok NAME / bad NAME    count and print one result
#   check NAME CMD...     ok if CMD succeeds, else bad
#   summary [PREFIX]      print the tally; its status is 0 only if all passed
#   up_sandbox NAME       a private runtime directory for asvirt up ($RT, with
#                         $out a scratch file), stopped and removed at exit
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
