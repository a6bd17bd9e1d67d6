/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * asvirt bench's Cortex-M rows in the CLI (bench/cm_bench.h measures):
 * `asvirt bench --cortex-m` alone, and in the default run when
 * qemu-system-arm and the images are there. Table and JSON rows in the
 * format --compare reads (key, figure, floor_figure).
 */
#ifndef ASVIRT_CLI_BENCH_CM_H
#define ASVIRT_CLI_BENCH_CM_H

#include <json-c/json.h>

#include "../bench/cm_bench.h"

/* The directory of the Cortex-M images when they and QEMU are there:
 * 0, else -1 and why in @why. */
int bench_cm_find(char *dir, size_t n, char *why, size_t whylen);
void bench_cm_print(const struct cm_results *c);
/* The rows, an array for the run's JSON object ("cortex_m"). */
struct json_object *bench_cm_json(const struct cm_results *c);
/* The default run's hook: measured results (the caller frees), or NULL
 * with *err 0 when the board is not there (said on stderr), or an error. */
struct cm_results *bench_cm_default(const struct bench_effort *e, int max_tries, int *err);
/* asvirt bench --cortex-m: measure and print; the exit code. */
int bench_cm_main(const struct bench_effort *e, int max_tries, int json);

#endif
