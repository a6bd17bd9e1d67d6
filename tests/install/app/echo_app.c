// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * An application outside the tree, built against an installed asvirt
 * (tests/install/test_install.sh): a virtual AMP system in this process,
 * the echo firmware app on the remote, a host driver bound to its
 * "rpmsg-echo" channel that sends one message and checks it comes back.
 * Prints "echo: hello asvirt" and exits 0, or says why and exits 1.
 */
#define _POSIX_C_SOURCE 200809L /* sem_timedwait under -std=c11 */
#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <asvirt/app.h>
#include <asvirt/errors.h>
#include <asvirt/host.h>
#include <asvirt/vsys.h>

static const char msg[] = "hello asvirt";
static sem_t done;
static char got[64];

static int echo_cb(struct asv_endpoint *ept, void *data, size_t len, uint32_t src, void *priv)
{
	(void)ept, (void)src, (void)priv;
	snprintf(got, sizeof(got), "%.*s", (int)len, (const char *)data);
	sem_post(&done);
	return 0;
}

static int echo_probe(struct asv_channel *ch)
{
	return asv_channel_send(ch, msg, strlen(msg));
}

static struct asv_host_driver drv = {
	.name = ASV_ECHO_NAME,
	.probe = echo_probe,
	.callback = echo_cb,
};

int main(void)
{
	struct asv_vsys_config cfg = { .app = &asv_app_echo };
	struct asv_vsys *s = calloc(1, sizeof(*s));
	struct timespec end;
	int err, ok;

	sem_init(&done, 0, 0);
	if (!s)
		return 1;
	err = asv_vsys_start(s, &cfg);
	/* bound to the channel now or when the remote announces it */
	if (!err)
		err = asv_host_register_driver(asv_vsys_host(s, 0), &drv);
	if (err) {
		fprintf(stderr, "echo_app: start: %s\n", asv_strerror(err));
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += 30; /* a hung link fails the test instead of hanging it */
	while (sem_timedwait(&done, &end) && errno == EINTR)
		;
	ok = !strcmp(got, msg);
	printf("echo: %s\n", got);
	asv_vsys_stop(s);
	free(s);
	return ok ? 0 : 1;
}
