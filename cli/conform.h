/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * asvirt conform: a firmware against the checks Linux's remoteproc and
 * virtio_rpmsg_bus imply (docs/conform.md). conform_run.c runs the checks
 * (the firmware in its own process, as asvirt up's daemon runs it),
 * cmd_conform.c parses the command line and writes the results.
 */
#ifndef ASVIRT_CONFORM_H
#define ASVIRT_CONFORM_H

#include <stdio.h>

enum conform_result { CONFORM_PASS = 0, CONFORM_FAIL, CONFORM_SKIP };

struct conform_check {
	const char *id;
	const char *rule;   /* one line */
	const char *source; /* the Linux file and function it comes from */
	enum conform_result result;
	char evidence[512]; /* why FAIL or SKIP */
	double seconds;
};

struct conform_opts {
	const char *fw;
	const char *runner;
	unsigned int restarts; /* life.restart's and life.attach_recovery's count */
};

#define CONFORM_NCHECKS 20

/* Run every check on opts->fw into @out (CONFORM_NCHECKS entries). Returns
 * 0, or -1 when the firmware could not be loaded at all (@why says why). */
int conform_run(const struct conform_opts *opts, struct conform_check *out, char *why,
		size_t whylen);
const char *conform_result_name(enum conform_result r);
/* Output (conform_out.c). */
void conform_print_table(FILE *f, const char *fw, const struct conform_check *c, unsigned int n);
int conform_print_json(FILE *f, const char *fw, const struct conform_check *c, unsigned int n);
int conform_write_junit(const char *path, const char *fw, const struct conform_check *c,
			unsigned int n);

#endif
