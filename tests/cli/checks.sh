# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# Sourced by the command-line tests: a tally of named checks.
#   ok NAME / bad NAME    count and print one result
#   check NAME CMD...     ok if CMD succeeds, else bad
#   summary [PREFIX]      print the tally; its status is 0 only if all passed
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
