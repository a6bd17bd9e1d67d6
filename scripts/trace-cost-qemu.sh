#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# What the kernel module's trace event asvirt:asvirt_event costs when enabled
# (docs/trace.md, Cost): the QEMU x86_64 guest's step xcost (tests/qemu/run.sh)
# floods the echo MCU through rpmsg_char with N messages each way, the event
# disabled and enabled in turn, RUNS times; this prints each run and the
# medians (min-max) of the time and the guest's CPU (all of it: user space,
# Linux's side, the MCU) per echo (one message each way), and the ratios
# enabled/disabled of each pair. A measurement, not a test: nothing is asserted.
#   scripts/trace-cost-qemu.sh [--real] [RUNS [N]]     (default 10 2000)
# By default the guest runs under TCG with -icount shift=0 on one CPU: its
# clock advances by executed instructions (1 ns each), not by the host's
# time, so the figures are instruction counts that another engineer's build
# on the same host does not move (icount does not boot with 2 CPUs here).
# --real: as make check-qemu runs it (KVM if usable, else multi-threaded TCG,
# 2 CPUs): host time, as noisy as the host is loaded.
# Needs what make check-qemu needs (a built kernel is cached in ~/.cache/asvirt).
set -euo pipefail
cd "$(dirname "$0")/.."
real=0
[ "${1:-}" = --real ] && { real=1; shift; }
RUNS=${1:-10}
N=${2:-2000}
export ARCH=x86_64
if [ $real = 0 ]; then
	export ASVIRT_ACCEL=tcg ASVIRT_SMP=1 ASVIRT_QEMU_ARGS="-icount shift=0"
	echo "trace-cost-qemu: TCG, -icount shift=0, 1 CPU: times are guest instructions"
fi
echo "trace-cost-qemu: load $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%T)"
rc=0
ASVIRT_RING=event_idx ASVIRT_QEMU_APPEND="asvirt.xn=$N asvirt.xr=$RUNS" \
	bash qemu/check.sh xcost || rc=$?
echo "trace-cost-qemu: load $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%T)"
log=${ASVIRT_QEMU_OUT:-build/qemu}/serial.log
grep -a '^ASVIRT-INFO: xcost run' "$log" | tr -d '\r' >"${TMPDIR:-/tmp}/xcost.$$" || true
awk -v n="$N" '
function med(a, k,   i, j, t) {
	for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return k % 2 ? a[(k+1)/2] : (a[k/2] + a[k/2+1]) / 2
}
function row(name, a, k,   lo, hi, i) {
	if (!k) return
	lo = hi = a[1]
	for (i = 2; i <= k; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	printf "%-40s median %.2f (min-max %.2f-%.2f), %d runs\n", name, med(a, k), lo, hi, k
}
{ print }
# ASVIRT-INFO: xcost run I event E: N messages each way in S s, busy T ticks, V events
{
	on = $6 + 0; s = $12 + 0; t = $15 + 0; v = $17 + 0
	k = ++cnt[on]
	us[on, k] = s * 1e6 / n; cpu[on, k] = t * 1e4 / n; ev[on, k] = v / n
	run[on, $4 + 0] = k
}
END {
	for (o = 0; o <= 1; o++) {
		for (k = 1; k <= cnt[o]; k++) { a[k] = us[o, k]; b[k] = cpu[o, k]; c[k] = ev[o, k] }
		row(o ? "enabled: us per echo (wall)" : "disabled: us per echo (wall)", a, cnt[o])
		row(o ? "enabled: guest CPU us per echo" : "disabled: guest CPU us per echo", b, cnt[o])
		if (o) row("enabled: events per echo", c, cnt[o])
	}
	m = cnt[0] < cnt[1] ? cnt[0] : cnt[1]
	for (k = 1; k <= m; k++) { a[k] = us[1, k] / us[0, k]; b[k] = cpu[1, k] / cpu[0, k] }
	row("ratio enabled/disabled, wall (per pair)", a, m)
	row("ratio enabled/disabled, CPU (per pair)", b, m)
}' "${TMPDIR:-/tmp}/xcost.$$"
rm -f "${TMPDIR:-/tmp}/xcost.$$"
exit $rc
