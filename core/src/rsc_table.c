// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/* Resource table: build, validate, query. See asvirt/rsc_table.h. */
#include "compat.h"
#include "asvirt/errors.h"
#include "asvirt/rsc_table.h"

#define HDR_SZ sizeof(struct asv_fw_rsc_hdr)

void asv_rsc_default_config(struct asv_rsc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->vring_num = 256;
	cfg->vring_align[0] = 4096;
	cfg->vring_align[1] = 4096;
	cfg->vring_da[0] = ASV_FW_RSC_ADDR_ANY;
	cfg->vring_da[1] = ASV_FW_RSC_ADDR_ANY;
	cfg->features = 1u << ASV_VIRTIO_RPMSG_F_NS | 1u << ASV_VIRTIO_RING_F_EVENT_IDX;
	cfg->trace_len = 8192;
	cfg->trace_da = ASV_RSC_TRACE_DA;
	cfg->trace_carveout = 1;
	cfg->vdev_notifyid = 0;
	cfg->buf_len = 2u * 256u * ASV_RPMSG_BUF_SIZE;
	cfg->buf_da = ASV_FW_RSC_ADDR_ANY;
}

static void put_name(char *dst, const char *src)
{
	size_t n = asv_strnlen(src, ASV_RSC_NAME_SIZE - 1);

	memset(dst, 0, ASV_RSC_NAME_SIZE);
	memcpy(dst, src, n);
}

int asv_rsc_build(void *buf, size_t size, const struct asv_rsc_config *cfg)
{
	uint32_t nent;
	size_t off, total;
	size_t co_sz = HDR_SZ + sizeof(struct asv_fw_rsc_carveout);
	size_t tr_sz = HDR_SZ + sizeof(struct asv_fw_rsc_trace);
	size_t vd_sz =
	    HDR_SZ + sizeof(struct asv_fw_rsc_vdev) + 2 * sizeof(struct asv_fw_rsc_vdev_vring);
	struct asv_resource_table *t = buf;
	uint8_t *p = buf;
	uint32_t e = 0, i, k, nv;
	bool trace_co;

	if (!cfg || !cfg->vring_num || (cfg->vring_num & (cfg->vring_num - 1)) ||
	    cfg->vring_num > 32768)
		return -ASV_EINVAL;
	for (i = 0; i < 2; i++)
		if (!cfg->vring_align[i] || (cfg->vring_align[i] & (cfg->vring_align[i] - 1)))
			return -ASV_EINVAL;
	nv = cfg->nvdevs ? cfg->nvdevs : 1;
	if (nv > ASV_RSC_BUILD_MAX_VDEVS)
		return -ASV_EINVAL;
	trace_co = cfg->trace_len && cfg->trace_carveout && cfg->trace_da != ASV_FW_RSC_ADDR_ANY;
	nent = nv * (1 + (cfg->buf_len ? 1 : 0)) + (trace_co ? 1 : 0) + (cfg->trace_len ? 1 : 0);
	off = sizeof(struct asv_resource_table) + 4u * nent;
	total = off + nv * ((cfg->buf_len ? co_sz : 0) + vd_sz) + (trace_co ? co_sz : 0) +
		(cfg->trace_len ? tr_sz : 0);
	if (!buf)
		return (int)total;
	if (size < total)
		return -ASV_EOVERFLOW;
	memset(buf, 0, total);
	t->ver = asv_cpu_to_le32(1);
	t->num = asv_cpu_to_le32(nent);
	for (k = 0; k < nv && cfg->buf_len; k++) {
		struct asv_fw_rsc_carveout *c = (void *)(p + off + HDR_SZ);
		uint32_t da = cfg->buf_da;

		if (da != ASV_FW_RSC_ADDR_ANY)
			da += k * cfg->buf_len;
		t->offset[e++] = asv_cpu_to_le32((uint32_t)off);
		((struct asv_fw_rsc_hdr *)(p + off))->type = asv_cpu_to_le32(ASV_RSC_CARVEOUT);
		c->da = asv_cpu_to_le32(da);
		c->pa = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY);
		c->len = asv_cpu_to_le32(cfg->buf_len);
		/* vdev k is the k-th vdev of the table: Linux's rvdev->index */
		asv_rsc_vdev_buffer_name(c->name, k);
		off += co_sz;
	}
	if (trace_co) {
		struct asv_fw_rsc_carveout *c = (void *)(p + off + HDR_SZ);

		t->offset[e++] = asv_cpu_to_le32((uint32_t)off);
		((struct asv_fw_rsc_hdr *)(p + off))->type = asv_cpu_to_le32(ASV_RSC_CARVEOUT);
		c->da = asv_cpu_to_le32(cfg->trace_da);
		c->pa = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY);
		c->len = asv_cpu_to_le32(cfg->trace_len);
		put_name(c->name, ASV_RSC_TRACE_CARVEOUT);
		off += co_sz;
	}
	if (cfg->trace_len) {
		struct asv_fw_rsc_trace *tr = (void *)(p + off + HDR_SZ);

		t->offset[e++] = asv_cpu_to_le32((uint32_t)off);
		((struct asv_fw_rsc_hdr *)(p + off))->type = asv_cpu_to_le32(ASV_RSC_TRACE);
		tr->da = asv_cpu_to_le32(cfg->trace_da);
		tr->len = asv_cpu_to_le32(cfg->trace_len);
		put_name(tr->name, "trace0");
		off += tr_sz;
	}
	for (k = 0; k < nv; k++) {
		struct asv_fw_rsc_vdev *v = (void *)(p + off + HDR_SZ);

		t->offset[e++] = asv_cpu_to_le32((uint32_t)off);
		((struct asv_fw_rsc_hdr *)(p + off))->type = asv_cpu_to_le32(ASV_RSC_VDEV);
		v->id = asv_cpu_to_le32(ASV_VIRTIO_ID_RPMSG);
		/* Linux never writes the vdev's own notify id (rproc_alloc_vring
		 * assigns the vrings' only); OpenAMP reads ANY there as "none". */
		v->notifyid = asv_cpu_to_le32(cfg->vdev_notifyid);
		v->dfeatures = asv_cpu_to_le32(cfg->features);
		v->num_of_vrings = 2;
		for (i = 0; i < 2; i++) {
			v->vring[i].da = asv_cpu_to_le32(cfg->vring_da[i]);
			v->vring[i].align = asv_cpu_to_le32(cfg->vring_align[i]);
			v->vring[i].num = asv_cpu_to_le32(cfg->vring_num);
			v->vring[i].notifyid = asv_cpu_to_le32(ASV_FW_RSC_ADDR_ANY);
		}
		off += vd_sz;
	}
	return (int)total;
}

/* Does [off, off+len) lie inside a table of @size bytes? */
static bool fits(size_t size, size_t off, size_t len)
{
	return off <= size && len <= size - off;
}

/*
 * The first of entries 0..@n-1 (checked already) that is a carveout named
 * @name, or @n. Linux compares names as it keeps them: 31 characters
 * (rproc_mem_entry_init's vsnprintf into a 32-byte name).
 */
static uint32_t carveout_named(const uint8_t *p, uint32_t n, const char *name)
{
	const struct asv_resource_table *t = (const void *)p;
	uint32_t j;

	for (j = 0; j < n; j++) {
		const uint8_t *h = p + asv_le32(t->offset[j]);
		const struct asv_fw_rsc_carveout *c = (const void *)(h + HDR_SZ);

		if (asv_le32(((const struct asv_fw_rsc_hdr *)h)->type) == ASV_RSC_CARVEOUT &&
		    !strncmp(c->name, name, ASV_RSC_NAME_SIZE - 1))
			return j;
	}
	return n;
}

#define BAD(...)                                                            \
	do {                                                                \
		asv_logf(env, ASV_LOG_ERR, "resource table: " __VA_ARGS__); \
		return -ASV_EINVAL;                                         \
	} while (0)

/*
 * Each rule below that Linux 6.1 also applies cites where: the header rules
 * are remoteproc_elf_loader.c find_table(), the entry rules
 * remoteproc_core.c rproc_handle_resources() and the handlers it calls.
 */
int asv_rsc_validate(const void *table, size_t size, const struct asv_env *env)
{
	const struct asv_resource_table *t = table;
	const uint8_t *p = table;
	uint32_t num, i, j;

	/* find_table: "header-less resource table" */
	if (!table || size < sizeof(*t))
		BAD("%zu bytes is smaller than the 16-byte header", size);
	/* find_table: "unsupported fw ver" */
	if (asv_le32(t->ver) != 1)
		BAD("version %" PRIu32 ", expected 1", asv_le32(t->ver));
	/* find_table: "non zero reserved bytes" */
	if (t->reserved[0] || t->reserved[1])
		BAD("non zero reserved bytes in the header");
	num = asv_le32(t->num);
	if (num > ASV_RSC_MAX_ENTRIES)
		BAD("%" PRIu32 " entries, at most %u accepted", num, ASV_RSC_MAX_ENTRIES);
	/* find_table: "resource table incomplete" */
	if (!fits(size, sizeof(*t), 4u * (size_t)num))
		BAD("offset array of %" PRIu32 " entries runs past the table end (%zu bytes)", num,
		    size);
	for (i = 0; i < num; i++) {
		uint32_t off = asv_le32(t->offset[i]), type;
		const uint8_t *body;

		/* rproc_handle_resources: "rsc table is truncated"; the
		 * alignment and header checks are ours (Linux reads such
		 * entries unaligned, or reads the header as an entry). */
		if ((off & 3u) || !fits(size, off, HDR_SZ))
			BAD("entry %" PRIu32 ": offset 0x%" PRIx32
			    " outside the table (%zu bytes) or unaligned",
			    i, off, size);
		if (off < sizeof(*t) + 4u * (size_t)num)
			BAD("entry %" PRIu32 ": offset 0x%" PRIx32 " overlaps the table header", i,
			    off);
		type = asv_le32(((const struct asv_fw_rsc_hdr *)(p + off))->type);
		body = p + off + HDR_SZ;
		switch (type) {
		case ASV_RSC_CARVEOUT:
		case ASV_RSC_DEVMEM: {
			const struct asv_fw_rsc_carveout *c = (const void *)body;

			/* rproc_handle_carveout/devmem: "rsc is truncated" */
			if (!fits(size, off + HDR_SZ, sizeof(*c)))
				BAD("entry %" PRIu32 ": carveout runs past the table end", i);
			/* "carveout rsc has non zero reserved bytes" */
			if (c->reserved)
				BAD("entry %" PRIu32 ": carveout has non zero reserved bytes", i);
			/* "Carveout already associated to resource table" */
			if (type == ASV_RSC_CARVEOUT && (j = carveout_named(p, i, c->name)) < i)
				BAD("entry %" PRIu32 ": carveout of entry %" PRIu32 "'s name", i,
				    j);
			break;
		}
		case ASV_RSC_TRACE: {
			const struct asv_fw_rsc_trace *tr = (const void *)body;

			/* rproc_handle_trace: "trace rsc is truncated" */
			if (!fits(size, off + HDR_SZ, sizeof(*tr)))
				BAD("entry %" PRIu32 ": trace runs past the table end", i);
			/* "trace rsc has non zero reserved bytes" */
			if (tr->reserved)
				BAD("entry %" PRIu32 ": trace has non zero reserved bytes", i);
			break;
		}
		case ASV_RSC_VDEV: {
			const struct asv_fw_rsc_vdev *v = (const void *)body;
			size_t vsz;

			if (!fits(size, off + HDR_SZ, sizeof(*v)))
				BAD("entry %" PRIu32 ": vdev header runs past the table end", i);
			/* rproc_handle_vdev: "vdev rsc is truncated" (checked
			 * before the vring count, with the count it has) */
			vsz = sizeof(*v) + v->num_of_vrings * sizeof(struct asv_fw_rsc_vdev_vring);
			if (!fits(size, off + HDR_SZ, vsz) ||
			    !fits(size, off + HDR_SZ + vsz, asv_le32(v->config_len)))
				BAD("entry %" PRIu32 ": vdev vrings or config space (%" PRIu32
				    " bytes) run past the "
				    "table end",
				    i, asv_le32(v->config_len));
			/* "vdev rsc has non zero reserved bytes" */
			if (v->reserved[0] || v->reserved[1])
				BAD("entry %" PRIu32 ": vdev has non zero reserved bytes", i);
			/* "too many vrings: %d" (two per rvdev) */
			if (v->num_of_vrings > ASV_RSC_MAX_VRINGS)
				BAD("entry %" PRIu32 ": too many vrings: %u", i, v->num_of_vrings);
			if (asv_le32(v->id) == ASV_VIRTIO_ID_RPMSG) {
				uint32_t k;

				if (v->num_of_vrings != 2)
					BAD("entry %" PRIu32 ": rpmsg vdev with %u vrings, needs 2",
					    i, v->num_of_vrings);
				for (k = 0; k < 2; k++) {
					uint32_t n = asv_le32(v->vring[k].num);
					uint32_t a = asv_le32(v->vring[k].align);
					uint32_t d = asv_le32(v->vring[k].da);

					if (!n || (n & (n - 1)) || n > 32768)
						BAD("entry %" PRIu32 ": vring %" PRIu32
						    " num %" PRIu32 " is not a power of "
						    "two <= 32768",
						    i, k, n);
					if (!a || (a & (a - 1)))
						BAD("entry %" PRIu32 ": vring %" PRIu32
						    " align %" PRIu32 " is not a power of "
						    "two",
						    i, k, a);
					/* Host and remote each lay the used ring out
					 * from the ring's address: both agree only
					 * when it is a multiple of align. */
					if (d != ASV_FW_RSC_ADDR_ANY && (d & (a - 1)))
						BAD("entry %" PRIu32 ": vring %" PRIu32
						    " da 0x%" PRIx32 " is not a multiple "
						    "of its align %" PRIu32,
						    i, k, d, a);
				}
			}
			break;
		}
		default:
			/* rproc_handle_resources: vendor types RSC_VENDOR_START..
			 * RSC_VENDOR_END (inclusive) no handler claims, and
			 * types >= RSC_LAST, are skipped with a warning. */
			asv_logf(env, ASV_LOG_WARN,
				 "resource table: entry %" PRIu32
				 ": unsupported %sresource %" PRIu32 ", skipped",
				 i,
				 type >= ASV_RSC_VENDOR_START && type <= ASV_RSC_VENDOR_END
				     ? "vendor "
				     : "",
				 type);
			break;
		}
	}
	return 0;
}

static void *find_entry(void *table, uint32_t type, unsigned int skip,
			bool (*match)(const void *body, const void *arg), const void *arg)
{
	struct asv_resource_table *t = table;
	uint8_t *p = table;
	uint32_t i, num = asv_le32(t->num);

	for (i = 0; i < num; i++) {
		uint32_t off = asv_le32(t->offset[i]);
		struct asv_fw_rsc_hdr *h = (void *)(p + off);

		if (asv_le32(h->type) != type)
			continue;
		if (match && !match(h->data, arg))
			continue;
		if (skip-- == 0)
			return h->data;
	}
	return NULL;
}

static bool vdev_is(const void *body, const void *arg)
{
	return asv_le32(((const struct asv_fw_rsc_vdev *)body)->id) == *(const uint32_t *)arg;
}

static bool carveout_is(const void *body, const void *arg)
{
	const struct asv_fw_rsc_carveout *c = body;

	return !strncmp(c->name, arg, ASV_RSC_NAME_SIZE);
}

struct asv_fw_rsc_vdev *asv_rsc_find_vdev(void *table, uint32_t virtio_id)
{
	return find_entry(table, ASV_RSC_VDEV, 0, vdev_is, &virtio_id);
}

struct asv_fw_rsc_trace *asv_rsc_find_trace(void *table, unsigned int index)
{
	return find_entry(table, ASV_RSC_TRACE, index, NULL, NULL);
}

struct asv_fw_rsc_carveout *asv_rsc_find_carveout(void *table, const char *name)
{
	return find_entry(table, ASV_RSC_CARVEOUT, 0, carveout_is, name);
}

struct asv_fw_rsc_vdev *asv_rsc_find_rpmsg_vdev(void *table, unsigned int k, unsigned int *index)
{
	struct asv_resource_table *t = table;
	uint8_t *p = table;
	uint32_t i, num = asv_le32(t->num);
	unsigned int nvdev = 0;

	for (i = 0; i < num; i++) {
		struct asv_fw_rsc_hdr *h = (void *)(p + asv_le32(t->offset[i]));
		struct asv_fw_rsc_vdev *v = (void *)h->data;

		if (asv_le32(h->type) != ASV_RSC_VDEV)
			continue;
		if (asv_le32(v->id) == ASV_VIRTIO_ID_RPMSG && k-- == 0) {
			if (index)
				*index = nvdev;
			return v;
		}
		nvdev++;
	}
	return NULL;
}

void asv_rsc_vdev_buffer_name(char *out, unsigned int index)
{
	memset(out, 0, ASV_RSC_NAME_SIZE);
	snprintf(out, ASV_RSC_NAME_SIZE, "vdev%ubuffer", index);
}
