// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * asvirt fw-check --linux: what Linux 6.1's remoteproc would do with a
 * firmware's resource table, rule by rule, with the kernel's own message.
 * The rules are read from drivers/remoteproc/remoteproc_elf_loader.c
 * (find_table), remoteproc_core.c (rproc_handle_resources and its
 * handlers, rproc_alloc_vring), remoteproc_virtio.c (rproc_parse_vring,
 * rproc_virtio_finalize_features), virtio_ring.c (vring_new_virtqueue,
 * vring_transport_features) and rpmsg/virtio_rpmsg_bus.c (rpmsg_probe).
 *
 * Each line says one of: ok, warn (boots, something is missing or odd),
 * skip (entry ignored with a warning), broken (boots, but the device or
 * link will not work), REFUSE (Linux does not boot the firmware).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asvirt/wire.h"
#include "cli.h"

#define ANY ASV_FW_RSC_ADDR_ANY
#define MAX_FIXED 256

struct fixed {
	uint32_t lo, len;
	char what[48];
};

struct lx {
	FILE *out;
	const uint8_t *t;
	size_t size;
	int refused, broken;
	struct fixed fx[MAX_FIXED];
	unsigned int nfx;
	/* the carveouts so far, by name (Linux looks them up by name) */
	char co_name[MAX_FIXED][ASV_RSC_NAME_SIZE];
	uint32_t co_entry[MAX_FIXED];
	unsigned int nco;
	unsigned int notifyid, nvdev, nrpmsg;
};

static uint32_t rd32(const struct lx *c, size_t off)
{
	uint32_t v;

	memcpy(&v, c->t + off, 4);
	return asv_le32(v);
}

static void say(struct lx *c, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct lx *c, const char *status, const char *fmt, ...)
{
	va_list ap;

	if (!strcmp(status, "REFUSE"))
		c->refused = 1;
	else if (!strcmp(status, "broken"))
		c->broken = 1;
	fprintf(c->out, "  %-6s ", status);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

static void name_of(const struct lx *c, size_t off, char *buf)
{
	memcpy(buf, c->t + off, ASV_RSC_NAME_SIZE);
	buf[ASV_RSC_NAME_SIZE - 1] = 0;
}

/* Fixed ranges: Linux allocates each separately (no IOMMU: dma memory
 * apart from the da it asked for), so two that overlap are one memory to
 * the remote and two to Linux. */
static void add_fixed(struct lx *c, uint32_t da, uint32_t len, const char *what)
{
	unsigned int i;

	if (da == ANY || !len)
		return;
	for (i = 0; i < c->nfx; i++) {
		const struct fixed *f = &c->fx[i];

		if ((uint64_t)da < (uint64_t)f->lo + f->len && (uint64_t)f->lo < (uint64_t)da + len)
			say(c, "broken",
			    "%s at 0x%x+0x%x overlaps %s at 0x%x+0x%x: Linux allocates both "
			    "apart, the remote sees one memory",
			    what, da, len, f->what, f->lo, f->len);
	}
	if (c->nfx < MAX_FIXED) {
		c->fx[c->nfx] = (struct fixed){ da, len, "" };
		snprintf(c->fx[c->nfx].what, sizeof(c->fx[c->nfx].what), "%s", what);
		c->nfx++;
	}
}

/* Is [da, da + len) inside a fixed carveout of the table? */
static bool in_carveout(const struct lx *c, uint32_t num, uint32_t da, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < num; i++) {
		uint32_t off = rd32(c, 16 + 4 * i), cda, clen;

		if (off > c->size || c->size - off < 4 + 52 || rd32(c, off) != ASV_RSC_CARVEOUT)
			continue;
		cda = rd32(c, off + 4);
		clen = rd32(c, off + 12);
		if (cda != ANY && da >= cda && (uint64_t)da + len <= (uint64_t)cda + clen)
			return true;
	}
	return false;
}

static void check_carveout(struct lx *c, uint32_t i, uint32_t off, long avail, bool devmem)
{
	const char *kind = devmem ? "devmem" : "carveout";
	uint32_t da, len;
	unsigned int k;
	char name[ASV_RSC_NAME_SIZE], what[48];

	/* rproc_handle_devmem: `if (!rproc->domain) return -EINVAL;` first */
	if (devmem) {
		say(c, "REFUSE",
		    "entry %u: devmem: rproc_handle_devmem returns -EINVAL on a remoteproc "
		    "without an IOMMU (\"Failed to process resources: -22\")",
		    i);
	}
	if (avail < 52) {
		say(c, "REFUSE", "entry %u: \"%s rsc is truncated\"", i, kind);
		return;
	}
	name_of(c, off + 4 + 20, name);
	if (rd32(c, off + 4 + 16)) {
		say(c, "REFUSE", "entry %u: %s \"%s\": \"%s rsc has non zero reserved bytes\"", i,
		    kind, name, kind);
		return;
	}
	if (devmem)
		return;
	if (strchr(name, '%'))
		say(c, "broken",
		    "entry %u: carveout \"%s\": Linux uses the name as a format "
		    "(rproc_find_carveout_by_name and rproc_mem_entry_init pass it to vsnprintf "
		    "without arguments): a conversion in it reads an argument never passed",
		    i, name);
	for (k = 0; k < c->nco; k++) {
		if (strcmp(c->co_name[k], name))
			continue;
		/* rproc_handle_carveout: the first of that name is already
		 * the table's (rsc_offset set): -ENOMEM */
		say(c, "REFUSE",
		    "entry %u: carveout \"%s\": \"Carveout already associated to resource "
		    "table\" (entry %u has its name)",
		    i, name, c->co_entry[k]);
		return;
	}
	if (c->nco < MAX_FIXED) {
		memcpy(c->co_name[c->nco], name, sizeof(name));
		c->co_entry[c->nco++] = i;
	}
	da = rd32(c, off + 4);
	len = rd32(c, off + 12);
	if (da == ANY) {
		say(c, "ok",
		    "entry %u: carveout \"%s\" 0x%x bytes at ANY: allocated, da written back", i,
		    name, len);
	} else {
		say(c, "ok",
		    "entry %u: carveout \"%s\" 0x%x bytes at 0x%x: allocated (without an IOMMU or "
		    "a carveout the platform registered, Linux warns \"Allocated carveout doesn't "
		    "fit device address request\")",
		    i, name, len, da);
		snprintf(what, sizeof(what), "carveout \"%s\"", name);
		add_fixed(c, da, len, what);
	}
}

static void check_trace(struct lx *c, uint32_t i, uint32_t off, long avail, uint32_t num)
{
	uint32_t da, len;
	char name[ASV_RSC_NAME_SIZE];

	if (avail < 44) {
		say(c, "REFUSE", "entry %u: \"trace rsc is truncated\"", i);
		return;
	}
	if (rd32(c, off + 4 + 8)) {
		say(c, "REFUSE", "entry %u: \"trace rsc has non zero reserved bytes\"", i);
		return;
	}
	da = rd32(c, off + 4);
	len = rd32(c, off + 8);
	name_of(c, off + 4 + 12, name);
	if (da == ANY)
		say(c, "warn",
		    "entry %u: trace \"%s\" at FW_RSC_ADDR_ANY: not allocated (rproc_handle_trace "
		    "only records da); debugfs says \"Trace ... not available\"",
		    i, name);
	else if (in_carveout(c, num, da, len))
		say(c, "ok",
		    "entry %u: trace \"%s\" 0x%x bytes at 0x%x, inside a carveout: readable", i,
		    name, len, da);
	else
		say(c, "warn",
		    "entry %u: trace \"%s\" at 0x%x is in no carveout: readable only if the "
		    "platform driver's da_to_va maps it",
		    i, name, da);
}

/* Feature bits Linux acknowledges for rpmsg (32-bit gfeatures): the
 * driver's table {VIRTIO_RPMSG_F_NS} and the transport bits
 * vring_transport_features keeps, INDIRECT_DESC (28) and EVENT_IDX (29). */
#define LINUX_RPMSG_ACK ((1u << 0) | (1u << 28) | (1u << 29))

static void check_vdev(struct lx *c, uint32_t i, uint32_t off, long avail)
{
	uint32_t id, nid, feat, cfg_len, k, nvr, num[2] = { 0, 0 };
	bool rpmsg, ok, created = true;
	size_t need;
	uint8_t res0, res1;

	if (avail < 24) {
		say(c, "REFUSE", "entry %u: \"vdev rsc is truncated\"", i);
		return;
	}
	id = rd32(c, off + 4);
	nid = rd32(c, off + 8);
	feat = rd32(c, off + 12);
	cfg_len = rd32(c, off + 20);
	nvr = c->t[off + 4 + 21];
	res0 = c->t[off + 4 + 22];
	res1 = c->t[off + 4 + 23];
	rpmsg = id == ASV_VIRTIO_ID_RPMSG;
	/* rproc_handle_vdev: struct_size(rsc, vring, n) + config_len > avail */
	need = 24 + 20 * (size_t)nvr + cfg_len;
	if (need > (size_t)avail) {
		say(c, "REFUSE",
		    "entry %u: vdev with %u vrings and config_len %u: \"vdev rsc is truncated\"", i,
		    nvr, cfg_len);
		return;
	}
	if (res0 || res1) {
		say(c, "REFUSE", "entry %u: \"vdev rsc has non zero reserved bytes\"", i);
		return;
	}
	if (nvr > 2) {
		say(c, "REFUSE", "entry %u: \"too many vrings: %u\" (two per vdev)", i, nvr);
		return;
	}
	say(c, "ok", "entry %u: vdev%u, virtio id %u%s, %u vrings, config_len %u", i, c->nvdev, id,
	    rpmsg ? " (rpmsg)" : "", nvr, cfg_len);
	if (nid == ANY)
		say(c, "warn",
		    "entry %u: the vdev's own notify id is 0xffffffff: Linux never writes it "
		    "(rproc_alloc_vring numbers the vrings only); OpenAMP reads it as \"any\"",
		    i);
	/*
	 * rproc_parse_vring: the rproc-virtio device is not created.
	 * rproc_virtio_probe (remoteproc_virtio.c l. 532-547) parses every
	 * vring before it allocates any: one refused leaves the whole vdev
	 * without rings, fixed ranges or notify ids (the next vdev's start
	 * where this one's would have).
	 */
	for (k = 0; k < nvr; k++) {
		size_t v = off + 4 + 24 + 20 * k;
		uint32_t align = rd32(c, v + 4), n = rd32(c, v + 8);

		if (!n || !align) {
			say(c, "broken",
			    "entry %u: vring%u: \"invalid qsz (%u) or alignment (%u)\": vdev%u is "
			    "not created",
			    i, k, n, align, c->nvdev);
			created = false;
		}
	}
	ok = created;
	for (k = 0; created && k < nvr; k++) {
		size_t v = off + 4 + 24 + 20 * k;
		uint32_t da = rd32(c, v), align = rd32(c, v + 4), n = rd32(c, v + 8);
		char what[48];

		num[k] = n;
		if (n & (n - 1)) {
			say(c, "broken",
			    "entry %u: vring%u num %u: \"Bad virtqueue length\" "
			    "(vring_new_virtqueue "
			    "needs a power of two): the virtio driver fails to probe",
			    i, k, n);
			ok = false;
		}
		if (align & (align - 1)) {
			say(c, "broken", "entry %u: vring%u align %u is not a power of two", i, k,
			    align);
			ok = false;
		} else if (da != ANY && (da & (align - 1))) {
			say(c, "broken",
			    "entry %u: vring%u da 0x%x is not a multiple of its align %u: Linux "
			    "lays "
			    "the used ring out in its own (page-aligned) memory, the remote from "
			    "da: they disagree",
			    i, k, da, align);
			ok = false;
		}
		snprintf(what, sizeof(what), "vdev%uvring%u", c->nvdev, k);
		if (!(align & (align - 1)) && !(n & (n - 1)))
			add_fixed(c, da, (uint32_t)asv_vring_size(n, align), what);
		if (da == ANY)
			say(c, "ok",
			    "entry %u: vring%u at ANY, align %u, num %u: allocated, notify id %u",
			    i, k, align, n, c->notifyid);
		else
			say(c, "ok", "entry %u: vring%u at 0x%x, align %u, num %u: notify id %u", i,
			    k, da, align, n, c->notifyid);
		c->notifyid++;
	}
	if (rpmsg) {
		c->nrpmsg++;
		if (nvr != 2) {
			say(c, "broken",
			    "entry %u: rpmsg needs 2 vrings (virtio_find_vqs in rpmsg_probe fails)",
			    i);
			ok = false;
		} else if (num[0] != num[1]) {
			say(c, "warn",
			    "entry %u: vrings of %u and %u entries: rpmsg_probe WARNs (\"we expect "
			    "symmetric tx/rx vrings\")",
			    i, num[0], num[1]);
		}
		if (!(feat & 1u))
			say(c, "warn",
			    "entry %u: no VIRTIO_RPMSG_F_NS: no name service, Linux makes no "
			    "channel "
			    "from the remote's announcements",
			    i);
		else
			say(c, "ok", "entry %u: VIRTIO_RPMSG_F_NS offered: name service on", i);
		if (feat & ~LINUX_RPMSG_ACK)
			say(c, "warn",
			    "entry %u: features 0x%x offered, Linux does not acknowledge 0x%x "
			    "(gfeatures = 0x%x)",
			    i, feat, feat & ~LINUX_RPMSG_ACK, feat & LINUX_RPMSG_ACK);
		if (feat & (1u << 28))
			say(c, "warn",
			    "entry %u: Linux acknowledges INDIRECT_DESC: the remote must implement "
			    "it (rpmsg never needs it)",
			    i);
		if (feat & (1u << 29))
			say(c, "ok",
			    "entry %u: EVENT_IDX offered: Linux acknowledges it and notifies by "
			    "event index (the remote must honour used_event and avail_event, as "
			    "asvirt's core does)",
			    i);
		if (ok)
			say(c, "ok", "entry %u: Linux serves this rpmsg device (virtio%u)", i,
			    c->nrpmsg - 1);
	}
	c->nvdev++;
}

int fw_linux_check(const void *table, size_t size, FILE *out)
{
	struct lx *c;
	uint32_t num, i;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	c->out = out;
	c->t = table;
	c->size = size;
	fprintf(out, "Linux 6.1 remoteproc on this resource table (%zu bytes):\n", size);
	/* remoteproc_elf_loader.c find_table() */
	if (size < 16) {
		say(c, "REFUSE", "\"header-less resource table\"");
		goto done;
	}
	if (rd32(c, 0) != 1) {
		say(c, "REFUSE", "\"unsupported fw ver: %u\"", rd32(c, 0));
		goto done;
	}
	if (rd32(c, 8) || rd32(c, 12)) {
		say(c, "REFUSE", "header: \"non zero reserved bytes\"");
		goto done;
	}
	num = rd32(c, 4);
	if (16 + 4 * (uint64_t)num > size) {
		say(c, "REFUSE", "%u entries: \"resource table incomplete\"", num);
		goto done;
	}
	say(c, "ok", "header: version 1, %u entries", num);
	/* remoteproc_core.c rproc_handle_resources() */
	for (i = 0; i < num && !c->refused; i++) {
		uint32_t off = rd32(c, 16 + 4 * i), type;
		long avail;

		if ((uint64_t)off + 4 > size) {
			say(c, "REFUSE", "entry %u: offset 0x%x: \"rsc table is truncated\"", i,
			    off);
			break;
		}
		if (off & 3u)
			say(c, "warn",
			    "entry %u: offset 0x%x is not a multiple of 4 (Linux reads it "
			    "unaligned; asvirt refuses it)",
			    i, off);
		if (off < 16 + 4 * num)
			say(c, "warn",
			    "entry %u: offset 0x%x lies in the table header (Linux reads the "
			    "header "
			    "as an entry; asvirt refuses it)",
			    i, off);
		avail = (long)(size - off - 4);
		type = rd32(c, off);
		if (type >= ASV_RSC_VENDOR_START && type <= ASV_RSC_VENDOR_END) {
			say(c, "skip", "entry %u: \"unsupported vendor resource %u\"", i, type);
			continue;
		}
		switch (type) {
		case ASV_RSC_CARVEOUT:
		case ASV_RSC_DEVMEM:
			check_carveout(c, i, off, avail, type == ASV_RSC_DEVMEM);
			break;
		case ASV_RSC_TRACE:
			check_trace(c, i, off, avail, num);
			break;
		case ASV_RSC_VDEV:
			check_vdev(c, i, off, avail);
			break;
		default:
			say(c, "skip", "entry %u: \"unsupported resource %u\"", i, type);
		}
	}
	if (!c->refused && c->nrpmsg > 1)
		say(c, "ok", "%u rpmsg vdevs: Linux serves each (so do asv_vsys and asvirt up)",
		    c->nrpmsg);
	if (!c->refused && !c->nrpmsg)
		say(c, "warn", "no rpmsg vdev (virtio id 7): no rpmsg link");
done:
	if (c->refused)
		fprintf(out, "result: Linux refuses to boot this firmware\n");
	else if (c->broken)
		fprintf(out, "result: Linux boots it, but a device or the link will not work\n");
	else
		fprintf(out, "result: Linux boots it\n");
	ret = c->refused;
	free(c);
	return ret;
}
