// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform's checks. The firmware runs in its own process through
 * asvirt's process remoteproc (port/posix/proc.c, as asvirt up's daemon
 * runs it); this side plays Linux's virtio_rpmsg_bus with asvirt's host.
 * What the host sees is collected (channels from the name service, the
 * host's own complaints, replies on a host endpoint) and each check turns
 * it into PASS / FAIL / SKIP with the evidence. Waits bound how long we
 * collect; no check passes because of a time.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asvirt/errors.h"
#include "asvirt/proc.h"
#include "asvirt/wire.h"
#include "cli.h"
#include "conform.h"
#include "conform_state.h"

const char *conform_result_name(enum conform_result r)
{
	return r == CONFORM_PASS ? "PASS" : r == CONFORM_FAIL ? "FAIL" : "SKIP";
}

void conform_verdict(struct conform_check *c, enum conform_result r, const char *fmt, ...)
{
	va_list ap;

	c->result = r;
	c->evidence[0] = 0;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->evidence, sizeof(c->evidence), fmt, ap);
		va_end(ap);
	}
}

static void keep_line(unsigned int *count, char *line, size_t n, const char *msg)
{
	if (!(*count)++)
		snprintf(line, n, "%s", msg);
}

/* The host's log: its name-service complaints are evidence. */
static void cap_log(void *ctx, int level, const char *msg)
{
	struct conform_state *s = ctx;

	(void)level;
	pthread_mutex_lock(&s->mu);
	if (strstr(msg, "already exists"))
		keep_line(&s->ns_dup, s->ns_dup_line, sizeof(s->ns_dup_line), msg);
	if (strstr(msg, "without NUL"))
		keep_line(&s->ns_nonul, s->ns_nonul_line, sizeof(s->ns_nonul_line), msg);
	pthread_mutex_unlock(&s->mu);
}

static void on_channel(struct asv_host *h, struct asv_channel *ch, bool created, void *priv)
{
	struct conform_state *s = priv;
	unsigned int i;

	(void)h;
	pthread_mutex_lock(&s->mu);
	s->events++;
	for (i = 0; i < s->nch; i++)
		if (s->ch[i].dst == ch->dst && !strncmp(s->ch[i].name, ch->name, sizeof(ch->name)))
			break;
	if (i == s->nch && i < MAX_CHANS) {
		memcpy(s->ch[i].name, ch->name, sizeof(s->ch[i].name));
		s->ch[i].name[sizeof(s->ch[i].name) - 1] = 0;
		s->ch[i].dst = ch->dst;
		s->nch++;
	}
	if (i < MAX_CHANS) {
		s->ch[i].present = created;
		if (created)
			s->ch[i].created++;
	}
	pthread_mutex_unlock(&s->mu);
}

/*
 * The host's before_driver_ok hook (asvirt/host.h), on the thread that
 * boots the firmware: its buffers posted and features written, wait up to
 * EARLY_WATCH_MS for the remote to use a ring anyway, then let the host
 * set DRIVER_OK.
 */
static void watch_early(struct asv_host *h, void *priv)
{
	struct conform_state *s = priv;
	struct asv_host_early e;
	uint64_t end = asv_posix_now_ms() + EARLY_WATCH_MS;
	char what[120] = "";

	pthread_mutex_lock(&s->mu);
	if (!s->watch_early) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	pthread_mutex_unlock(&s->mu);
	for (;;) {
		asv_host_early_look(h, &e);
		if (e.used_idx[0] || e.used_idx[1] || asv_posix_now_ms() >= end)
			break;
		usleep(1000);
	}
	if (!e.used_idx[0] && !e.used_idx[1])
		return;
	if (e.msg && e.dst == ASV_RPMSG_NS_ADDR && e.name[0])
		snprintf(what, sizeof(what), ": the first, 0x%x -> 0x%x, announces \"%s\"", e.src,
			 e.dst, e.name);
	else if (e.msg)
		snprintf(what, sizeof(what), ": the first, 0x%x -> 0x%x, %u bytes", e.src, e.dst,
			 e.len);
	pthread_mutex_lock(&s->mu);
	if (!s->early_seen++)
		snprintf(s->early_line, sizeof(s->early_line),
			 "before DRIVER_OK the remote moved vring0's used index to %u and "
			 "vring1's to %u%s",
			 e.used_idx[0], e.used_idx[1], what);
	pthread_mutex_unlock(&s->mu);
}

unsigned int conform_get_u(struct conform_state *s, const unsigned int *v)
{
	unsigned int x;

	pthread_mutex_lock(&s->mu);
	x = *v;
	pthread_mutex_unlock(&s->mu);
	return x;
}

unsigned int conform_present_count(struct conform_state *s)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nch; i++)
		n += s->ch[i].present ? 1u : 0u;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* Collect announcements until @want channels are there (0: at least one)
 * and nothing changed for @quiet_ms, or @ms passed. */
void conform_settle_quiet(struct conform_state *s, unsigned int want, unsigned int ms,
			  unsigned int quiet_ms)
{
	uint64_t end = asv_posix_now_ms() + ms, quiet = 0;
	unsigned int ev = conform_get_u(s, &s->events), n;

	while (asv_posix_now_ms() < end) {
		usleep(10000);
		n = conform_present_count(s);
		if (conform_get_u(s, &s->events) != ev) {
			ev = conform_get_u(s, &s->events);
			quiet = 0;
			continue;
		}
		quiet += 10;
		if (n >= (want ? want : 1u) && quiet >= quiet_ms)
			return;
	}
}

void conform_settle(struct conform_state *s, unsigned int want, unsigned int ms)
{
	conform_settle_quiet(s, want, ms, 300);
}

/* Is @e's endpoint there: made on the link up now, not freed with an
 * older one? Proc lock held. */
static bool ept_live(struct conform_state *s, const struct conform_ept *e)
{
	return e && e->e && e->link_gen == s->p.link_gen && asv_proc_host(&s->p, 0);
}

/* A host endpoint of our own at @addr (or any), receiving with @cb; freed
 * with the link if we leave it. */
struct conform_ept *conform_open_ept_cb(struct conform_state *s, const char *name, uint32_t addr,
					asv_rx_cb cb)
{
	struct conform_ept *e = calloc(1, sizeof(*e));
	struct asv_host *h;
	int err;

	if (!e)
		return NULL;
	asv_proc_lock(&s->p);
	h = asv_proc_host(&s->p, 0);
	if (h)
		e->e = asv_host_create_ept(h, name, addr, cb, s, &err);
	if (e->e) {
		e->link_gen = s->p.link_gen;
		e->addr = e->e->addr;
		e->next = s->epts;
		s->epts = e;
	}
	asv_proc_unlock(&s->p);
	if (!e->e) {
		free(e);
		return NULL;
	}
	return e;
}

struct conform_ept *conform_open_ept_at(struct conform_state *s, const char *name, uint32_t addr)
{
	return conform_open_ept_cb(s, name, addr, conform_rx_cb);
}

struct conform_ept *conform_open_ept(struct conform_state *s)
{
	return conform_open_ept_at(s, "asvirt-conform", ASV_RPMSG_ADDR_ANY);
}

void conform_close_ept(struct conform_state *s, struct conform_ept *e)
{
	struct conform_ept **pp;

	if (!e)
		return;
	asv_proc_lock(&s->p);
	if (ept_live(s, e))
		asv_host_destroy_ept(e->e);
	e->e = NULL;
	for (pp = &s->epts; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	asv_proc_unlock(&s->p);
	free(e);
}

void conform_free_epts(struct conform_state *s)
{
	struct conform_ept *e;

	while ((e = s->epts)) {
		s->epts = e->next;
		free(e);
	}
}

/* -ASV_ESHUTDOWN when @e's link went down (the endpoint freed with it). */
int conform_send_to(struct conform_state *s, struct conform_ept *e, uint32_t dst, const void *d,
		    size_t len)
{
	int err = -ASV_ESHUTDOWN;

	asv_proc_lock(&s->p);
	if (ept_live(s, e))
		err = asv_send_timeout(e->e, dst, d, len, REPLY_WAIT_MS);
	asv_proc_unlock(&s->p);
	pthread_mutex_lock(&s->mu);
	s->last_traffic_ms = asv_posix_now_ms();
	pthread_mutex_unlock(&s->mu);
	return err;
}

/* Send @len bytes to @dst and wait for the reply: 0 when it is the same
 * bytes, 1 when it differs (*@got its length), -1 when none came. */
int conform_round_trip(struct conform_state *s, struct conform_ept *e, uint32_t dst,
		       const uint8_t *d, size_t len, size_t *got)
{
	unsigned int before = conform_get_u(s, &s->replies);
	uint64_t end;
	int same;

	if (conform_send_to(s, e, dst, d, len))
		return -2;
	end = asv_posix_now_ms() + REPLY_WAIT_MS;
	while (conform_get_u(s, &s->replies) == before) {
		if (asv_posix_now_ms() > end)
			return -1;
		usleep(200);
	}
	pthread_mutex_lock(&s->mu);
	*got = s->reply_len;
	same = s->reply_len == len && !memcmp(s->reply, d, len);
	pthread_mutex_unlock(&s->mu);
	return same ? 0 : 1;
}

/* The first channel that answers a message with the same bytes. */
static int find_echo(struct conform_state *s, struct conform_ept *e, uint32_t *dst, char *name)
{
	static const uint8_t probe[] = "asvirt-conform probe";
	struct chan_rec ch[MAX_CHANS];
	unsigned int i, n;
	size_t got;

	pthread_mutex_lock(&s->mu);
	n = s->nch;
	memcpy(ch, s->ch, sizeof(ch));
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < n; i++) {
		if (ch[i].present &&
		    !conform_round_trip(s, e, ch[i].dst, probe, sizeof(probe), &got)) {
			*dst = ch[i].dst;
			memcpy(name, ch[i].name, ASV_RPMSG_NAME_SIZE);
			return 0;
		}
	}
	return -1;
}

void conform_names_of(struct conform_state *s, char *out, size_t n, int present_only)
{
	unsigned int i;
	size_t o = 0;

	out[0] = 0;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nch && o < n; i++)
		if (!present_only || s->ch[i].present)
			o += (size_t)snprintf(out + o, n - o, "%s%s:0x%x", o ? ", " : "",
					      s->ch[i].name, s->ch[i].dst);
	pthread_mutex_unlock(&s->mu);
	if (!out[0])
		snprintf(out, n, "none");
}

/* The address the channel @name has now (dynamic ones may change). */
uint32_t conform_dst_of(struct conform_state *s, const char *name, uint32_t old)
{
	unsigned int i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nch; i++)
		if (s->ch[i].present && !strcmp(s->ch[i].name, name))
			old = s->ch[i].dst;
	pthread_mutex_unlock(&s->mu);
	return old;
}

static void check_restart(struct conform_state *s, unsigned int want, unsigned int n,
			  const char *echo, uint32_t dst, struct conform_check *c)
{
	static const uint8_t ping[] = "back?";
	char why[256], names[300];
	unsigned int i;
	int err;

	for (i = 1; i <= n; i++) {
		/* remoteproc's stop then start: the firmware stopped, the vdev
		 * status reset, the firmware started, DRIVER_OK again */
		asv_proc_stop(&s->p);
		if (s->p.last_stop[0]) {
			conform_verdict(c, CONFORM_FAIL, "restart %u: %s", i, s->p.last_stop);
			return;
		}
		if ((err = asv_proc_start(&s->p, why, sizeof(why)))) {
			conform_verdict(c, CONFORM_FAIL, "restart %u: %s", i, why);
			return;
		}
		/* the first boot's channels back, nothing new for 50 ms (as
		 * conform_restart waits; more would be ns.once's business) */
		conform_settle_quiet(s, want, 5000, 50);
		conform_bind_all(s);
		if (conform_present_count(s) != want) {
			conform_names_of(s, names, sizeof(names), 1);
			{
				conform_verdict(c, CONFORM_FAIL,
						"restart %u: %u of %u channels back (%s)", i,
						conform_present_count(s), want, names);
				return;
			}
		}
		if (echo && conform_echo_answers(s, echo, &dst, ping, sizeof(ping))) {
			conform_verdict(c, CONFORM_FAIL,
					"restart %u: the echo channel does not answer", i);
			return;
		}
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}

static void check_rsc(const char *fw, struct conform_check *c)
{
	struct asv_fw_image img;
	char why[256], *text = NULL, *line, *save = NULL;
	size_t len = 0, o = 0;
	FILE *f;

	if (asv_fw_image_load(&img, fw, why, sizeof(why))) {
		conform_verdict(c, CONFORM_FAIL, "%s", why);
		return;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		asv_fw_image_free(&img);
		{
			conform_verdict(c, CONFORM_SKIP, "out of memory");
			return;
		}
	}
	fw_linux_check(img.table, img.table_size, f);
	fclose(f);
	asv_fw_image_free(&img);
	c->result = CONFORM_PASS;
	c->evidence[0] = 0;
	/* the REFUSE and broken lines are the evidence */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, "REFUSE") && !strstr(line, "broken"))
			continue;
		c->result = CONFORM_FAIL;
		if (o < sizeof(c->evidence))
			o += (size_t)snprintf(c->evidence + o, sizeof(c->evidence) - o, "%s%s",
					      o ? "; " : "", line + strspn(line, " "));
	}
	free(text);
}

enum {
	C_RSC,
	C_DRIVER_OK,
	C_NS_ONCE,
	C_NS_NAME,
	C_SIZES,
	C_UNKNOWN,
	C_BURST,
	C_HOLD,
	C_SLOW,
	C_DEAD_EPT,
	C_NS_RECREATE,
	C_NS_UNBOUND,
	C_KICK_DROP,
	C_KICK_DUP,
	C_IRQ_DELAY,
	C_IRQ_BUSY,
	C_BAD_DESC,
	C_EVENT_IDX,
	C_ATTACH,
	C_RESTART,
};

static const struct conform_check checks[CONFORM_NCHECKS] = {
	[C_RSC] = { .id = "boot.rsc_table",
		    .rule = "the resource table is one Linux boots, every device working",
		    .source = "drivers/remoteproc/remoteproc_core.c rproc_handle_resources" },
	[C_DRIVER_OK] = { .id = "boot.driver_ok",
			  .rule = "nothing is announced or used before the host sets DRIVER_OK",
			  .source = "drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_probe" },
	[C_NS_ONCE] = { .id = "ns.once",
			.rule = "each channel is announced once per boot",
			.source = "drivers/rpmsg/virtio_rpmsg_bus.c __rpmsg_create_channel" },
	[C_NS_NAME] = { .id = "ns.name",
			.rule = "channel names are NUL-terminated within 32 bytes",
			.source = "drivers/rpmsg/rpmsg_ns.c rpmsg_ns_cb" },
	[C_SIZES] = { .id = "msg.sizes",
		      .rule = "payloads of 0..496 bytes come back whole (echo channel)",
		      .source = "drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_send_offchannel_raw" },
	[C_UNKNOWN] = { .id = "msg.unknown_dst",
			.rule =
			    "messages to an unknown address are dropped, the ring keeps working",
			.source = "drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_single" },
	[C_BURST] = { .id = "msg.burst",
		      .rule = "a burst of twice the buffers loses nothing accepted, every "
			      "buffer comes back",
		      .source = "drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_send_offchannel_raw" },
	[C_HOLD] = { .id = "msg.hold",
		     .rule =
			 "the host holding its receive buffers 0.5 s: the firmware waits, loses "
			 "nothing",
		     .source = "drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_send_offchannel_raw" },
	[C_SLOW] = { .id = "msg.slow_cb",
		     .rule = "the host taking 50 ms per message: all answered, in order",
		     .source = "drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_single" },
	[C_DEAD_EPT] = { .id = "msg.dead_ept",
			 .rule = "replies due to a host endpoint destroyed meanwhile are dropped, "
				 "a new endpoint is answered",
			 .source = "drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_single" },
	[C_NS_RECREATE] = { .id = "ns.destroy_recreate",
			    .rule = "the host's NS DESTROY then CREATE of a channel: the "
				    "re-created channel is answered",
			    .source = "drivers/rpmsg/rpmsg_core.c rpmsg_dev_remove, "
				      "rpmsg_dev_probe; virtio_rpmsg_bus.c "
				      "virtio_rpmsg_announce_destroy, _create" },
	[C_NS_UNBOUND] = { .id = "ns.unbound",
			   .rule = "channels the host never binds: no stall, the echo channel "
				   "still answers",
			   .source = "drivers/rpmsg/virtio_rpmsg_bus.c rpmsg_recv_single" },
	[C_KICK_DROP] = { .id = "host.kick_drop",
			  .rule = "a kick dropped, the firmware asleep or busy: one later kick "
				  "delivers everything",
			  .source = "drivers/virtio/virtio_ring.c virtqueue_kick_prepare_split" },
	[C_KICK_DUP] = { .id = "host.kick_dup",
			 .rule = "every kick sent twice, once with nothing new: each message "
				 "answered once",
			 .source = "drivers/remoteproc/remoteproc_virtio.c rproc_virtio_notify; "
				   "drivers/virtio/virtio_ring.c vring_interrupt" },
	[C_IRQ_DELAY] = { .id = "host.irq_delay",
			  .rule = "every interrupt to the firmware 100-160 ms late: each message "
				  "answered, once",
			  .source = "drivers/remoteproc/remoteproc_virtio.c rproc_virtio_notify; "
				    "drivers/virtio/virtio_ring.c vring_interrupt" },
	[C_IRQ_BUSY] = { .id = "host.irq_busy",
			 .rule = "the next message kicked while the firmware is busy with the "
				 "previous one, no kick after: both answered",
			 .source = "drivers/remoteproc/remoteproc_virtio.c rproc_vq_interrupt; "
				   "drivers/virtio/virtio_ring.c vring_interrupt, "
				   "virtqueue_enable_cb" },
	[C_BAD_DESC] = { .id = "host.bad_desc",
			 .rule = "a malformed descriptor (address, length, id) is refused: no "
				 "crash, no hang",
			 .source = "drivers/vhost/vringh.c __vringh_get_head, range_check" },
	[C_EVENT_IDX] = { .id = "life.event_idx",
			  .rule = "EVENT_IDX offered, a host that negotiates it off: messages "
				  "still flow (the flags instead)",
			  .source = "drivers/virtio/virtio.c virtio_dev_probe" },
	[C_ATTACH] = { .id = "life.attach_recovery",
		       .rule = "the host detaches and attaches again, the firmware running: the "
			       "channels come back, the echo answers",
		       .source = "drivers/remoteproc/remoteproc_core.c rproc_attach_recovery "
				 "(__rproc_detach, __rproc_attach)" },
	[C_RESTART] = { .id = "life.restart",
			.rule = "remoteproc's stop/start: the firmware ends cleanly on its stop, "
				"the channels come back",
			.source = "drivers/remoteproc/remoteproc_core.c rproc_trigger_recovery" },
};

/*
 * After check @c failed: the firmware restarted and our endpoint opened
 * again, the echo channel's address looked up. 0, or -1 with the reason
 * the checks after it are skipped in @why.
 */
static int restart_after(struct conform_state *s, struct conform_ept **e, const char *echo_name,
			 uint32_t *echo_dst, const struct conform_check *c, char *why, size_t n)
{
	char r[256];

	if (*e)
		conform_close_ept(s, *e);
	*e = NULL;
	if (conform_restart(s, r, sizeof(r))) {
		snprintf(why, n, "the restart after %s failed: %s", c->id, r);
		return -1;
	}
	*e = conform_open_ept(s);
	*echo_dst = conform_dst_of(s, echo_name, *echo_dst);
	if (!*e) {
		snprintf(why, n, "no host endpoint after the restart after %s", c->id);
		return -1;
	}
	return 0;
}

/* The checks on the echo channel, in the order they run. */
static const unsigned int on_echo[] = {
	C_SIZES,     C_UNKNOWN,	 C_BURST,     C_HOLD,	  C_SLOW,
	C_IRQ_DELAY, C_IRQ_BUSY, C_KICK_DROP, C_KICK_DUP, C_DEAD_EPT
};

int conform_run(const struct conform_opts *o, struct conform_check *out, char *why, size_t whylen)
{
	struct conform_state *s = calloc(1, sizeof(*s));
	struct asv_proc_config pc;
	struct conform_ept *e = NULL;
	char names[300], echo_name[ASV_RPMSG_NAME_SIZE], why_next[300] = "";
	unsigned int i, k, dup = 0;
	uint32_t echo_dst = 0;
	int echo = 0, booted = 0;
	uint64_t t0;

	if (!s)
		return snprintf(why, whylen, "out of memory"), -1;
	memcpy(out, checks, sizeof(checks));
	pthread_mutex_init(&s->mu, NULL);
	t0 = asv_posix_now_ms();
	check_rsc(o->fw, &out[C_RSC]);
	out[C_RSC].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;

	memset(&pc, 0, sizeof(pc));
	pc.runner = o->runner;
	pc.max_restarts = 0; /* a crash is a result here, not something to hide */
	pc.watchdog_ms = CONFORM_WATCHDOG_MS;
	pc.log = cap_log;
	pc.log_ctx = s;
	pc.log_level = ASV_LOG_WARN;
	pc.runner_log_level = "error"; /* the firmware's own complaints are not results */
	pc.on_channel = on_channel;
	pc.on_channel_priv = s;
	pc.before_driver_ok = watch_early;
	pc.before_driver_ok_priv = s;
	s->watch_early = 1;
	t0 = asv_posix_now_ms();
	if (asv_proc_init(&s->p, &pc, o->fw, why, whylen)) {
		free(s);
		return -1;
	}
	if (asv_proc_start(&s->p, why, whylen) == 0) {
		booted = 1;
		conform_settle(s, 0, 5000);
	}
	pthread_mutex_lock(&s->mu);
	s->watch_early = 0; /* the restarts are not slowed down */
	pthread_mutex_unlock(&s->mu);
	s->nboot_chans = conform_present_count(s);
	for (i = C_DRIVER_OK; i < CONFORM_NCHECKS; i++)
		if (!booted)
			conform_verdict(&out[i], CONFORM_FAIL, "the firmware did not boot: %s",
					why);

	if (booted) {
		if (s->early_seen)
			conform_verdict(&out[C_DRIVER_OK], CONFORM_FAIL, "%s", s->early_line);
		else
			conform_verdict(&out[C_DRIVER_OK], CONFORM_PASS, NULL);
		pthread_mutex_lock(&s->mu);
		for (i = 0; i < s->nch; i++)
			dup += s->ch[i].created > 1;
		pthread_mutex_unlock(&s->mu);
		conform_names_of(s, names, sizeof(names), 0);
		if (s->ns_dup || dup)
			conform_verdict(&out[C_NS_ONCE], CONFORM_FAIL, "channels %s; host: %s",
					names,
					s->ns_dup ? s->ns_dup_line : "a channel announced twice");
		else if (!conform_present_count(s))
			conform_verdict(&out[C_NS_ONCE], CONFORM_FAIL,
					"no channel announced in 5 s");
		else
			conform_verdict(&out[C_NS_ONCE], CONFORM_PASS, NULL);
		if (s->ns_nonul)
			conform_verdict(&out[C_NS_NAME], CONFORM_FAIL, "channels %s; host: %s",
					names, s->ns_nonul_line);
		else
			conform_verdict(&out[C_NS_NAME], CONFORM_PASS, NULL);
		out[C_NS_ONCE].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;

		e = conform_open_ept(s);
		echo = e && !find_echo(s, e, &echo_dst, echo_name);
		if (echo) {
			pthread_mutex_lock(&s->mu);
			memcpy(s->echo_name, echo_name, sizeof(s->echo_name));
			pthread_mutex_unlock(&s->mu);
		}
		conform_bind_all(s);
		/* msg.dead_ept last: it leaves a new endpoint, which a firmware
		 * that failed it does not answer */
		for (k = 0; k < sizeof(on_echo) / sizeof(on_echo[0]); k++) {
			i = on_echo[k];
			t0 = asv_posix_now_ms();
			if (!echo)
				conform_verdict(&out[i], CONFORM_SKIP, "%s",
						why_next[0] ? why_next
							    : "no channel answers a message with "
							      "the same bytes");
			else if (i == C_SIZES)
				conform_check_sizes(s, e, echo_dst, &out[i]);
			else if (i == C_UNKNOWN)
				conform_check_unknown(s, e, echo_dst, &out[i]);
			else if (i == C_BURST)
				conform_check_burst(s, e, echo_dst, &out[i]);
			else if (i == C_HOLD)
				conform_check_hold(s, e, echo_dst, &out[i]);
			else if (i == C_SLOW)
				conform_check_slow(s, e, echo_dst, &out[i]);
			else if (i == C_KICK_DROP)
				conform_check_kick_drop(s, e, echo_dst, &out[i]);
			else if (i == C_KICK_DUP)
				conform_check_kick_dup(s, e, echo_dst, &out[i]);
			else if (i == C_IRQ_DELAY)
				conform_check_irq_delay(s, e, echo_dst, &out[i]);
			else if (i == C_IRQ_BUSY)
				conform_check_irq_busy(s, e, echo_dst, &out[i]);
			else if (i == C_DEAD_EPT)
				conform_check_dead_ept(s, &e, echo_dst, &out[i]);
			/* A failed check may leave the firmware wedged: the next
			 * ones judge a fresh boot, so one fault is one FAIL. */
			if (echo && out[i].result == CONFORM_FAIL &&
			    k + 1 < sizeof(on_echo) / sizeof(on_echo[0]))
				echo = !restart_after(s, &e, echo_name, &echo_dst, &out[i],
						      why_next, sizeof(why_next));
			out[i].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;
		}
		if (e)
			conform_close_ept(s, e);
		/* each from here on starts with a restart */
		t0 = asv_posix_now_ms();
		conform_check_ns_recreate(s, echo ? echo_name : NULL, echo_dst,
					  &out[C_NS_RECREATE]);
		out[C_NS_RECREATE].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;
		t0 = asv_posix_now_ms();
		conform_check_unbound(s, echo ? echo_name : NULL, echo_dst, &out[C_NS_UNBOUND]);
		out[C_NS_UNBOUND].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;
		t0 = asv_posix_now_ms();
		conform_check_event_idx(s, echo ? echo_name : NULL, echo_dst, &out[C_EVENT_IDX]);
		out[C_EVENT_IDX].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;
		t0 = asv_posix_now_ms();
		conform_check_bad_desc(s, echo ? echo_name : NULL, echo_dst, &out[C_BAD_DESC]);
		out[C_BAD_DESC].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;
		t0 = asv_posix_now_ms();
		conform_check_attach(s, o->restarts, echo ? echo_name : NULL, echo_dst,
				     &out[C_ATTACH]);
		out[C_ATTACH].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;
		t0 = asv_posix_now_ms();
		check_restart(s, s->nboot_chans, o->restarts, echo ? echo_name : NULL, echo_dst,
			      &out[C_RESTART]);
		out[C_RESTART].seconds = (double)(asv_posix_now_ms() - t0) / 1e3;
	}
	asv_proc_stop(&s->p);
	asv_proc_destroy(&s->p);
	conform_free_epts(s);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return 0;
}
