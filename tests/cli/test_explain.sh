#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# asvirt demo --explain against its golden output (tests/cli/explain.golden):
# the narration is deterministic (both roles stepped in one thread, device
# addresses only). After a deliberate change of the narration or of the
# protocol, regenerate it with: build/asvirt demo --explain > tests/cli/explain.golden
# Usage: test_explain.sh PATH/TO/asvirt
set -u
ASVIRT=$1
here=$(dirname "$0")
. "$here/checks.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$ASVIRT" demo --explain >"$dir/a" 2>&1
check "demo --explain runs" test $? -eq 0
"$ASVIRT" demo --explain >"$dir/b" 2>&1
check "the same twice" cmp -s "$dir/a" "$dir/b"
check "the golden narration" diff -u "$here/explain.golden" "$dir/a"
summary test_explain
