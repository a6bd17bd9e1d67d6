// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt conform's life.attach_recovery: Linux's other recovery, for a
 * remote processor it attaches to rather than boots
 * (RPROC_FEAT_ATTACH_ON_RECOVERY; drivers/remoteproc/remoteproc_core.c
 * rproc_trigger_recovery l. 1848-1849 -> rproc_attach_recovery l. 1777:
 * __rproc_detach l. 1742, then __rproc_attach l. 1325). The firmware keeps
 * running: the host removes its virtio device (virtio_rpmsg_bus.c
 * rpmsg_remove: the vdev reset, every channel gone), puts the clean table
 * back (rproc_reset_rsc_table_on_detach l. 1490: status 0), tells the
 * firmware (stm32_rproc_detach l. 486-501: a mailbox message), and adds the
 * device again (rpmsg_probe: new rings, buffers, DRIVER_OK, a kick). A
 * firmware that took the rings up once and never looks at the status
 * again answers nothing after it: the host's new rings start from zero.
 */
#include "asvirt/errors.h"
#include "conform_state.h"

int conform_echo_answers(struct conform_state *s, const char *echo, uint32_t *dst,
			 const uint8_t *ping, size_t len)
{
	struct conform_ept *e = conform_open_ept(s);
	size_t got;
	int err;

	*dst = conform_dst_of(s, echo, *dst);
	err = e ? conform_round_trip(s, e, *dst, ping, len, &got) : -3;
	if (e)
		conform_close_ept(s, e);
	return err;
}

static const uint8_t attached[] = "attached?";

void conform_check_attach(struct conform_state *s, unsigned int n, const char *echo, uint32_t dst,
			  struct conform_check *c)
{
	struct asv_proc_status st;
	char why[256], names[300];
	unsigned int i, want = s->nboot_chans;

	/* a fresh boot: the checks before may have left the firmware down */
	if (conform_restart(s, why, sizeof(why))) {
		conform_verdict(c, CONFORM_FAIL, "boot before the first attach: %s", why);
		return;
	}
	/*
	 * Each detach right after a round trip, as recovery comes while the
	 * link is in use (and a firmware that sleeps when idle is awake: its
	 * wake-up path is host.irq_busy's business, not this check's).
	 */
	if (echo && conform_echo_answers(s, echo, &dst, attached, sizeof(attached))) {
		conform_verdict(c, CONFORM_FAIL, "the echo channel does not answer after a boot");
		return;
	}
	for (i = 1; i <= n; i++) {
		if (asv_proc_reattach(&s->p, why, sizeof(why))) {
			asv_proc_get_status(&s->p, &st);
			conform_verdict(c, CONFORM_FAIL, "attach %u: %s%s%s", i, why,
					st.last_crash[0] ? "; " : "", st.last_crash);
			return;
		}
		/* the first boot's channels announced again, nothing new for 50 ms */
		conform_settle_quiet(s, want, 5000, 50);
		conform_bind_all(s);
		if (conform_present_count(s) != want) {
			conform_names_of(s, names, sizeof(names), 1);
			asv_proc_get_status(&s->p, &st);
			conform_verdict(c, CONFORM_FAIL,
					"attach %u: %u of %u channels announced again (%s)%s%s", i,
					conform_present_count(s), want, names,
					st.state == ASV_PROC_RUNNING ? "" : "; ",
					st.state == ASV_PROC_RUNNING ? "" : st.last_crash);
			return;
		}
		if (echo && conform_echo_answers(s, echo, &dst, attached, sizeof(attached))) {
			conform_verdict(c, CONFORM_FAIL,
					"attach %u: the echo channel does not answer", i);
			return;
		}
	}
	conform_verdict(c, CONFORM_PASS, NULL);
}
