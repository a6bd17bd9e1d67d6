/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * How long the futex doorbell (notifier_futex.c) polls before it sleeps,
 * adapted after each wait to how soon the peer rang: the policy of Linux's
 * guest halt polling (Documentation/virt/guest-halt-polling.rst: the limit
 * grows by 2 when a wake-up came after it but before the global maximum,
 * shrinks by 2 when one came after the maximum).
 *
 * Why adapt: with a fixed poll, back-to-back round trips between two
 * processes are bistable. While both sides poll, each rings the other
 * within a microsecond and nobody sleeps; once one side sleeps (a
 * preemption), its wake-up takes longer than the peer's poll, so the peer
 * sleeps too, whose wake-up in turn outlasts this side's poll, and so on:
 * the run stays slow until chance puts both back. The median of a window
 * then sat on either mode from run to run. Growing the poll after a sleep
 * that ended soon lets the next wait catch the peer without sleeping; a
 * wait that outlasted the maximum (an idle link) brings it back down, so a
 * quiet doorbell polls no longer than before.
 */
#ifndef ASVIRT_FUTEX_SPIN_H
#define ASVIRT_FUTEX_SPIN_H

#include <stdbool.h>
#include <stdint.h>

/* The shortest poll (what a doorbell rung again within a stream needs)
 * and the longest (the adaptive thread mode's default, asvirt bench
 * --spin-us): beyond it a wake-up is cheaper than the CPU polled away. */
#define FUTEX_SPIN_MIN_NS 3000u
#define FUTEX_SPIN_MAX_NS 50000u

/*
 * The poll for the next wait, after one that polled for @spin_ns, slept
 * (@slept) or not, and returned @waited_ns after it began (a time-out
 * counts as a long wait).
 */
static inline uint32_t futex_spin_next(uint32_t spin_ns, bool slept, uint64_t waited_ns)
{
	uint32_t next;

	if (!slept)
		return spin_ns;
	if (waited_ns <= FUTEX_SPIN_MAX_NS) {
		next = spin_ns * 2u;
		return next > FUTEX_SPIN_MAX_NS ? FUTEX_SPIN_MAX_NS : next;
	}
	next = spin_ns / 2u;
	return next < FUTEX_SPIN_MIN_NS ? FUTEX_SPIN_MIN_NS : next;
}

#endif
