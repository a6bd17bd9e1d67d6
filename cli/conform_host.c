// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform's faulty-host checks: asvirt's host made faulty on purpose
 * through its fault plan (asv_host_set_fault, asvirt/host.h): a kick
 * dropped (one later kick must deliver everything), kicks sent twice (each
 * message still answered once), a malformed descriptor (the firmware must
 * refuse it, not crash: keep working or stop cleanly); and a host that
 * negotiates VIRTIO_RING_F_EVENT_IDX off where the firmware offers it.
 * (A doubled kick held back until the firmware is idle finds nothing new in
 * the ring: drivers/virtio/virtio_ring.c vring_interrupt, "no work".)
 */
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "conform_state.h"

#define DUP_MSGS 8u
/* host.kick_dup: the firmware idle this long before the held-back kick */
#define DUP_IDLE_MS 100u
/* ... and how long an answer too many has to come behind it */
#define DUP_ALONE_MS 100u
/* host.kick_drop: the first pair after this long without a message, a
 * kick or an answer (tests/firmware/bad_stop_mode.c sleeps after 1.2 s
 * without an interrupt, well above the other checks' pauses: ns.unbound's
 * 500 ms of silence after the boot's kick is the longest) */
#define KICK_DROP_QUIET_MS 1800
#define KICK_DROP_PAIRS 2u
/* bad_desc: how long a firmware has to crash on the malformed message */
#define BAD_DESC_WAIT_MS 200
/* life.event_idx: one at a time, each answer must interrupt the host */
#define EVIX_ROUND_TRIPS 8u

/* Arm (@f) or disarm (NULL) the host's fault plan: 0, or -1 without a host. */
static int set_fault(struct conform_state *s, struct asv_host_fault *f)
{
	struct asv_host *h;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		asv_host_set_fault(h, f);
	asv_proc_unlock(&s->p);
	return h ? 0 : -1;
}

void conform_kick(struct conform_state *s)
{
	struct asv_host *h;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		asv_host_kick(h);
	asv_proc_unlock(&s->p);
	pthread_mutex_lock(&s->mu);
	s->last_traffic_ms = asv_posix_now_ms();
	pthread_mutex_unlock(&s->mu);
}

static unsigned long host_kicks(struct conform_state *s)
{
	struct asv_host *h;
	unsigned long n = 0;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		n = __atomic_load_n(&h->dev.notifies, __ATOMIC_RELAXED);
	asv_proc_unlock(&s->p);
	return n;
}

/*
 * Twice: the kick for message #k is dropped; #k+1 is sent with its own
 * kick, or (EVENT_IDX: the remote's event index was passed, so none is
 * due) the host kicks once on its own: one kick for two messages, both
 * answered. The first pair comes after KICK_DROP_QUIET_MS of quiet, the
 * second at once: a firmware may be asleep for the one and busy for the
 * other, and neither may need a second kick.
 */
void conform_check_kick_drop(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			     struct conform_check *c)
{
	unsigned int got = 0, missing = 0, failed = 0, k;
	unsigned long kicks;
	int err = 0;

	conform_seq_reset(s, "KDRP", RX_PLAIN);
	memset(&s->fault, 0, sizeof(s->fault));
	if (set_fault(s, &s->fault)) {
		conform_verdict(c, CONFORM_SKIP, "no host");
		return;
	}
	conform_wait_quiet(s, KICK_DROP_QUIET_MS);
	for (k = 0; k < 2u * KICK_DROP_PAIRS; k += 2) {
		/* the host's threads take the counter atomically */
		__atomic_store_n(&s->fault.drop_kicks, 1, __ATOMIC_RELEASE);
		err = conform_seq_send(s, e, dst, k, k + 1, &failed);
		kicks = host_kicks(s);
		if (!err)
			err = conform_seq_send(s, e, dst, k + 1, k + 2, &failed);
		if (!err && host_kicks(s) == kicks)
			conform_kick(s);
		got = err ? 0 : conform_seq_collect(s, k + 2, REPLY_WAIT_MS, &missing);
		if (err || got != k + 2)
			break;
	}
	set_fault(s, NULL);
	if (err) {
		conform_verdict(c, CONFORM_FAIL, "message %u: no tx buffer came back (%s)", failed,
				asv_strerror(err));
		return;
	}
	if (k < 2u * KICK_DROP_PAIRS) {
		conform_verdict(c, CONFORM_FAIL,
				"%sthe kick for #%u dropped, one kick for #%u and #%u afterwards: "
				"%u of 2 answered; first lost: #%u",
				k ? "the firmware busy, "
				  : "after " STR(KICK_DROP_QUIET_MS) " ms of quiet, ",
				k, k, k + 1, got - k, missing);
		return;
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}

/* The first of the sequence's first @n answered other than once (@n if
 * none), *@times how often. */
static unsigned int seq_not_once(struct conform_state *s, unsigned int n, unsigned int *times)
{
	unsigned int i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < n && s->seen[i] == 1; i++)
		;
	*times = i < n ? s->seen[i] : 1;
	pthread_mutex_unlock(&s->mu);
	return i;
}

/* The used index of the ring the firmware sends on (vring[0]), as it
 * wrote it: how many buffers it has handed to us so far (mod 2^16). */
static uint16_t fw_published(struct conform_state *s)
{
	struct asv_host *h;
	uint16_t idx = 0;

	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		idx = __atomic_load_n(&h->rx_vr.used->idx, __ATOMIC_ACQUIRE);
	asv_proc_unlock(&s->p);
	return idx;
}

/*
 * Every kick for DUP_MSGS messages sent twice: each answered once. Then
 * a second kick held back until the firmware is idle (DUP_IDLE_MS after
 * the last answer): a kick that finds nothing new: still each once. The
 * verdict waits for the firmware to have handled that kick
 * (asv_proc_wait_kick_taken), not for a time: on a loaded machine its
 * board may take the kick after any fixed wait.
 */
void conform_check_kick_dup(struct conform_state *s, struct conform_ept *e, uint32_t dst,
			    struct conform_check *c)
{
	unsigned int got, missing, failed = 0, i, times, wait_ms;
	uint16_t published;
	uint64_t end;
	int err;

	conform_seq_reset(s, "KDUP", RX_PLAIN);
	memset(&s->fault, 0, sizeof(s->fault));
	s->fault.dup_kicks = 4 * DUP_MSGS;
	if (set_fault(s, &s->fault)) {
		conform_verdict(c, CONFORM_SKIP, "no host");
		return;
	}
	err = conform_seq_send(s, e, dst, 0, DUP_MSGS, &failed);
	got = err ? 0 : conform_seq_collect(s, DUP_MSGS, REPLY_WAIT_MS, &missing);
	set_fault(s, NULL);
	if (err) {
		conform_verdict(c, CONFORM_FAIL, "message %u of %u: no tx buffer came back (%s)",
				failed, DUP_MSGS, asv_strerror(err));
		return;
	}
	if (got != DUP_MSGS) {
		conform_verdict(c, CONFORM_FAIL,
				"every kick sent twice: %u of %u answered; first lost: #%u", got,
				DUP_MSGS, missing);
		return;
	}
	/* an answer too many would come right behind the others */
	usleep(DUP_IDLE_MS * 1000);
	if ((i = seq_not_once(s, DUP_MSGS, &times)) < DUP_MSGS) {
		conform_verdict(c, CONFORM_FAIL, "every kick sent twice: #%u answered %u times", i,
				times);
		return;
	}
	/* the firmware idle: the second kick of #DUP_MSGS - 1, held back */
	published = fw_published(s);
	conform_kick(s);
	err = asv_proc_wait_kick_taken(&s->p, REPLY_WAIT_MS);
	if (err == -ASV_ETIMEDOUT) {
		conform_verdict(
		    c, CONFORM_FAIL,
		    "a kick with nothing new, the firmware idle %u ms: not taken in %u ms",
		    DUP_IDLE_MS, REPLY_WAIT_MS);
		return;
	}
	/* A board that says when its handler for the kick returned: what the
	 * handler sent is published by then; anything published means an
	 * answer too many may be on its way, however slowly. Otherwise it
	 * comes right behind the kick, on a machine that is not loaded. (The
	 * next check starts after that wait too: a firmware woken by the kick
	 * has it to settle.) */
	wait_ms = !err && fw_published(s) != published ? REPLY_WAIT_MS : DUP_ALONE_MS;
	end = asv_posix_now_ms() + wait_ms;
	while (seq_not_once(s, DUP_MSGS, &times) == DUP_MSGS && asv_posix_now_ms() < end)
		usleep(1000);
	if ((i = seq_not_once(s, DUP_MSGS, &times)) < DUP_MSGS) {
		conform_verdict(c, CONFORM_FAIL,
				"a kick with nothing new, the firmware idle %u ms: #%u answered %u "
				"times",
				DUP_IDLE_MS, i, times);
		return;
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}

/* remoteproc's stop then start, the first boot's channels back and bound:
 * 0, or -1 (@why). Channels announced twice are ns.once's business, not
 * waited for. */
int conform_restart(struct conform_state *s, char *why, size_t n)
{
	asv_proc_stop(&s->p);
	if (asv_proc_start(&s->p, why, n))
		return -1;
	conform_settle_quiet(s, s->nboot_chans, 5000, 20);
	conform_bind_all(s);
	return 0;
}

/*
 * For each malformation, on a fresh boot: one message goes out with it.
 * The firmware must refuse it and not crash (its process killed by a
 * signal, ended, or its heartbeat gone); whether it then keeps working or
 * stops its link cleanly is its choice.
 */
void conform_check_bad_desc(struct conform_state *s, const char *echo, uint32_t dst,
			    struct conform_check *c)
{
	static const struct {
		enum asv_host_bad_desc kind;
		const char *what;
	} cases[] = {
		{ ASV_HOST_DESC_ADDR, "a buffer address outside the shared window" },
		{ ASV_HOST_DESC_LEN, "a length past the buffer" },
		{ ASV_HOST_DESC_ID, "a descriptor id beyond the ring" },
	};
	static const uint8_t msg[] = "malformed";
	unsigned int i;
	struct asv_proc_status st;
	struct conform_ept *e;
	char why[256];
	uint64_t end;

	conform_verdict(c, CONFORM_PASS, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (conform_restart(s, why, sizeof(why))) {
			conform_verdict(c, CONFORM_FAIL, "restart before %s: %s", cases[i].what,
					why);
			return;
		}
		e = conform_open_ept(s);
		if (!e) {
			conform_verdict(c, CONFORM_SKIP, "no host endpoint");
			return;
		}
		memset(&s->fault, 0, sizeof(s->fault));
		s->fault.bad_descs = 1;
		s->fault.bad_desc = cases[i].kind;
		set_fault(s, &s->fault);
		conform_send_to(s, e, echo ? conform_dst_of(s, echo, dst) : dst, msg, sizeof(msg));
		end = asv_posix_now_ms() + BAD_DESC_WAIT_MS;
		do {
			usleep(10000);
			asv_proc_get_status(&s->p, &st);
		} while (st.state == ASV_PROC_RUNNING && asv_posix_now_ms() < end);
		/* (the link may go down meanwhile, the endpoint with it: the
		 * close then only forgets it) */
		set_fault(s, NULL);
		conform_close_ept(s, e);
		if (st.state == ASV_PROC_RUNNING)
			continue;
		if (c->result == CONFORM_PASS)
			conform_verdict(c, CONFORM_FAIL, "%s: %s", cases[i].what, st.last_crash);
	}
}

/*
 * Where the firmware offers EVENT_IDX (the default host takes it), boot
 * it once with a host that does not: the suppression flags instead of the
 * event indexes. Round trips one at a time (each answer must interrupt the
 * host, which asked for it by its flags) and a burst of twice the buffers
 * must come back. The firmware is left so (the next check restarts it).
 */
void conform_check_event_idx(struct conform_state *s, const char *echo, uint32_t dst,
			     struct conform_check *c)
{
	uint8_t ping[] = "flags only #.";
	unsigned int n, got, missing, failed = 0, i;
	struct conform_ept *e;
	struct asv_host *h;
	uint32_t dfeat = 0;
	char why[256];
	size_t len;
	int err;

	if (!echo) {
		conform_verdict(c, CONFORM_SKIP,
				"no channel answers a message with the same bytes");
		return;
	}
	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		dfeat = asv_le32(__atomic_load_n(&h->vdev->dfeatures, __ATOMIC_RELAXED));
	asv_proc_unlock(&s->p);
	if (!(dfeat & (1u << ASV_VIRTIO_RING_F_EVENT_IDX))) {
		conform_verdict(c, CONFORM_SKIP, "the firmware does not offer EVENT_IDX");
		return;
	}
	asv_proc_lock(&s->p);
	s->p.cfg.host_features =
	    ASV_RPMSG_FEATURES_IMPLEMENTED & ~(1u << ASV_VIRTIO_RING_F_EVENT_IDX);
	asv_proc_unlock(&s->p);
	err = conform_restart(s, why, sizeof(why));
	asv_proc_lock(&s->p);
	s->p.cfg.host_features = 0;
	asv_proc_unlock(&s->p);
	if (err) {
		conform_verdict(c, CONFORM_FAIL, "EVENT_IDX off: %s", why);
		return;
	}
	e = conform_open_ept(s);
	dst = conform_dst_of(s, echo, dst);
	if (!e)
		err = -3;
	for (i = 0; e && !err && i < EVIX_ROUND_TRIPS; i++) {
		ping[sizeof(ping) - 2] = (uint8_t)('0' + i);
		if ((err = conform_round_trip(s, e, dst, ping, sizeof(ping), &len)))
			conform_verdict(c, CONFORM_FAIL, "EVENT_IDX off: round trip %u of %u: %s",
					i + 1, EVIX_ROUND_TRIPS,
					err == -1 ? "no answer (no interrupt for it?)"
						  : "not the same bytes back");
	}
	if (e && !err) {
		n = 2u * conform_host_nbufs(s);
		if (n > BURST_MAX)
			n = BURST_MAX;
		conform_seq_reset(s, "EVIX", RX_PLAIN);
		err = conform_seq_send(s, e, dst, 0, n, &failed);
		got = err ? 0 : conform_seq_collect(s, n, REPLY_WAIT_MS, &missing);
		if (err)
			conform_verdict(c, CONFORM_FAIL,
					"EVENT_IDX off: message %u of a burst of %u: no tx buffer "
					"came back (%s)",
					failed, n, asv_strerror(err));
		else if (got != n)
			conform_verdict(
			    c, CONFORM_FAIL,
			    "EVENT_IDX off: a burst of %u, %u answered; first lost: #%u", n, got,
			    missing);
	}
	if (e)
		conform_close_ept(s, e);
	if (!err)
		conform_verdict(c, CONFORM_PASS, NULL);
}
