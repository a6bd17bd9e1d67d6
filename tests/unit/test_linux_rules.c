// SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
/*
 * Where asvirt and Linux 6.1 could disagree, Linux is right: each test
 * names the kernel lines it follows (Debian's linux-source-6.1, 6.1.192).
 */
#include <string.h>

#include "harness.h"

static int nop_cb(struct asv_endpoint *e, void *d, size_t n, uint32_t src, void *p)
{
	(void)e, (void)d, (void)n, (void)src, (void)p;
	return 0;
}

/*
 * drivers/virtio/virtio.c, virtio_features_ok(): "if
 * (!virtio_has_feature(dev, VIRTIO_F_VERSION_1)) return 0;" before
 * virtio_add_status(dev, VIRTIO_CONFIG_S_FEATURES_OK). remoteproc's
 * features are 32 bits, so a legacy rpmsg device ends at ACKNOWLEDGE |
 * DRIVER | DRIVER_OK = 0x07, never FEATURES_OK.
 */
static void test_status_byte_is_legacy(void **state)
{
	struct msys m;

	(void)state;
	assert_int_equal(msys_init(&m, NULL), 0);
	assert_int_equal(m.rproc.vdev->status, ASV_VIRTIO_STATUS_ACKNOWLEDGE |
						   ASV_VIRTIO_STATUS_DRIVER |
						   ASV_VIRTIO_STATUS_DRIVER_OK);
	msys_pump(&m);
	assert_true(asv_link_ready(&m.remote.dev));
	msys_fini(&m);
}

/*
 * drivers/rpmsg/virtio_rpmsg_bus.c, __rpmsg_create_ept(): for
 * RPMSG_ADDR_ANY, idr_alloc(&vrp->endpoints, ept, RPMSG_RESERVED_ADDRESSES,
 * 0, ...), i.e. the lowest free address from 1024, so a freed address is
 * the next one handed out. Both roles share the allocator.
 */
static void lowest_free(struct asv_rpmsg_dev *d)
{
	struct asv_endpoint e[4];
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(asv_create_ept(d, &e[i], NULL, ASV_RPMSG_ADDR_ANY, nop_cb, NULL),
				 0);
		assert_int_equal(e[i].addr, 1024 + i);
	}
	assert_int_equal(asv_destroy_ept(&e[0]), 0);
	assert_int_equal(asv_create_ept(d, &e[3], NULL, ASV_RPMSG_ADDR_ANY, nop_cb, NULL), 0);
	assert_int_equal(e[3].addr, 1024);
	/* a fixed address inside the dynamic range is skipped over */
	assert_int_equal(asv_destroy_ept(&e[1]), 0);
	assert_int_equal(asv_create_ept(d, &e[1], NULL, 1025, nop_cb, NULL), 0);
	assert_int_equal(asv_create_ept(d, &e[0], NULL, ASV_RPMSG_ADDR_ANY, nop_cb, NULL), 0);
	assert_int_equal(e[0].addr, 1027);
	for (i = 0; i < 4; i++)
		assert_int_equal(asv_destroy_ept(&e[i]), 0);
}

static void test_dynamic_address_is_lowest_free(void **state)
{
	struct msys m;

	(void)state;
	assert_int_equal(msys_init(&m, NULL), 0);
	msys_pump(&m);
	lowest_free(&m.host.dev);
	lowest_free(&m.remote.dev);
	msys_fini(&m);
}

/*
 * drivers/rpmsg/rpmsg_ns.c, rpmsg_ns_cb(): "if (rpmsg32_to_cpu(rpdev,
 * msg->flags) & RPMSG_NS_DESTROY)" destroys, anything else creates: the
 * flags are a bit mask, other bits are ignored.
 */
static void test_ns_flags_are_a_bit_mask(void **state)
{
	struct asv_rpmsg_ns_msg ns = { .name = "svc" };
	struct asv_endpoint a;
	struct msys m;

	(void)state;
	assert_int_equal(msys_init(&m, NULL), 0);
	msys_pump(&m);
	/* an endpoint without a name, announcing by hand */
	assert_int_equal(asv_create_ept(&m.remote.dev, &a, NULL, 0x700, nop_cb, NULL), 0);
	ns.addr = asv_cpu_to_le32(0x700);
	ns.flags = asv_cpu_to_le32(0x2); /* CREATE with an unknown bit */
	assert_int_equal(asv_sendto(&a, ASV_RPMSG_NS_ADDR, &ns, sizeof(ns)), 0);
	msys_pump(&m);
	assert_int_equal(m.host.nchannels, 1);
	ns.flags = asv_cpu_to_le32(0x3); /* DESTROY with an unknown bit */
	assert_int_equal(asv_sendto(&a, ASV_RPMSG_NS_ADDR, &ns, sizeof(ns)), 0);
	msys_pump(&m);
	assert_int_equal(m.host.nchannels, 0);
	assert_int_equal(asv_destroy_ept(&a), 0);
	msys_fini(&m);
}

/*
 * The host acknowledges only the features it implements, whatever its
 * configuration asks for (drivers/virtio/virtio.c, virtio_dev_probe():
 * driver_features come from the driver's feature table only; virtio_rpmsg
 * lists VIRTIO_RPMSG_F_NS alone).
 */
static void test_host_acks_only_what_it_implements(void **state)
{
	struct msys_opts o = { .host_features = -1 };
	struct msys m;

	(void)state;
	assert_int_equal(msys_init_remote(&m, &o), 0);
	/* another stack's remote offers a bit more than asvirt implements */
	m.rproc.vdev->dfeatures = asv_cpu_to_le32(1u << ASV_VIRTIO_RPMSG_F_NS | 1u << 5);
	assert_int_equal(msys_start_host(&m, &o), 0);
	assert_int_equal(asv_le32(m.rproc.vdev->gfeatures), 1u << ASV_VIRTIO_RPMSG_F_NS);
	msys_fini(&m);
}

/*
 * drivers/virtio/virtio_ring.c, vring_transport_features(): Linux keeps
 * VIRTIO_RING_F_INDIRECT_DESC and VIRTIO_RING_F_EVENT_IDX when the device
 * offers them, and then uses them. A remote that offers a feature it does
 * not implement (INDIRECT_DESC: rpmsg never needs it) would fail under
 * Linux: refused at init.
 */
static void test_remote_never_offers_what_it_lacks(void **state)
{
	struct asv_rsc_config cfg;
	struct msys_opts o = { .rsc = &cfg };
	struct msys m;

	(void)state;
	asv_rsc_default_config(&cfg);
	cfg.trace_da = MSYS_DA + 0x1000u;
	cfg.features = 1u << ASV_VIRTIO_RPMSG_F_NS | 1u << 28; /* INDIRECT_DESC */
	assert_int_equal(msys_init_remote(&m, &o), -ASV_EINVAL);
	assert_true(logcap_has(&m.rlog, "does not implement"));
	msys_fini(&m);
}

/*
 * drivers/rpmsg/virtio_rpmsg_bus.c: virtio_rpmsg_announce_create() and
 * virtio_rpmsg_announce_destroy() send {name, rpdev->ept->addr, CREATE or
 * DESTROY} to the remote's address 53 for a channel Linux creates with a
 * local address. The remote binds a same-named endpoint without a peer on
 * CREATE; on DESTROY that endpoint, and every one that adopted the address
 * from its first message, forget it: Linux's endpoint is gone.
 */
static void test_destroy_from_linux_unbinds(void **state)
{
	struct asv_rpmsg_ns_msg ns = { .name = "svc" };
	struct asv_endpoint *h, named, adopted, other;
	struct msys m;
	int err;

	(void)state;
	assert_int_equal(msys_init(&m, NULL), 0);
	msys_pump(&m);
	h = asv_host_create_ept(&m.host, NULL, 0x500, nop_cb, NULL, &err);
	assert_non_null(h);
	assert_int_equal(asv_create_ept(&m.remote.dev, &named, "svc", 0x600, nop_cb, NULL), 0);
	assert_int_equal(asv_create_ept(&m.remote.dev, &adopted, NULL, 0x601, nop_cb, NULL), 0);
	assert_int_equal(asv_create_ept(&m.remote.dev, &other, NULL, 0x602, nop_cb, NULL), 0);
	other.dst = 0x777;
	msys_pump(&m);
	ns.addr = asv_cpu_to_le32(0x500);
	ns.flags = asv_cpu_to_le32(ASV_RPMSG_NS_CREATE);
	assert_int_equal(asv_sendto(h, ASV_RPMSG_NS_ADDR, &ns, sizeof(ns)), 0);
	assert_int_equal(asv_sendto(h, 0x601, "hi", 2), 0);
	msys_pump(&m);
	assert_int_equal(named.dst, 0x500);
	assert_int_equal(adopted.dst, 0x500);
	ns.flags = asv_cpu_to_le32(ASV_RPMSG_NS_DESTROY);
	assert_int_equal(asv_sendto(h, ASV_RPMSG_NS_ADDR, &ns, sizeof(ns)), 0);
	msys_pump(&m);
	assert_int_equal(named.dst, ASV_RPMSG_ADDR_ANY);
	assert_int_equal(adopted.dst, ASV_RPMSG_ADDR_ANY);
	assert_int_equal(other.dst, 0x777); /* set by its app: untouched */
	assert_int_equal(asv_send(&named, "x", 1), -ASV_EINVAL);
	assert_int_equal(asv_destroy_ept(&named), 0);
	assert_int_equal(asv_destroy_ept(&adopted), 0);
	assert_int_equal(asv_destroy_ept(&other), 0);
	asv_host_destroy_ept(h);
	msys_fini(&m);
}

/*
 * drivers/rpmsg/virtio_rpmsg_bus.c, rpmsg_probe(): the receive buffers go
 * into the ring (virtqueue_add_inbuf) first, then virtio_device_ready()
 * sets DRIVER_OK, then virtqueue_notify(). The before_driver_ok hook runs
 * in between: buffers posted, features written, status still 0, no kick
 * yet; asv_host_early_look() shows what a remote did in the window (here
 * a name-service CREATE written by hand, as a remote that does not wait).
 */
struct early_seen {
	struct msys *m;
	int calls;
	uint8_t status;
	uint16_t avail_idx;
	uint32_t gfeatures;
	int remote_irqs;
	struct asv_host_early before, after;
};

static void early_hook(struct asv_host *h, void *priv)
{
	struct early_seen *e = priv;
	struct asv_rpmsg_hdr *hdr;
	struct asv_rpmsg_ns_msg *ns;
	uint16_t id;

	e->calls++;
	e->status = h->vdev->status;
	e->gfeatures = asv_le32(h->vdev->gfeatures);
	e->avail_idx = asv_le16(h->rx_vr.avail->idx);
	e->remote_irqs = e->m->remote_irqs;
	asv_host_early_look(h, &e->before);
	/* a remote that announces now: first posted buffer, used entry 0 */
	id = asv_le16(h->rx_vr.avail->ring[0]);
	hdr = (void *)(h->rx_base + (size_t)id * ASV_RPMSG_BUF_SIZE);
	hdr->src = asv_cpu_to_le32(0x400);
	hdr->dst = asv_cpu_to_le32(ASV_RPMSG_NS_ADDR);
	hdr->len = asv_cpu_to_le16(sizeof(*ns));
	ns = (void *)hdr->data;
	memset(ns, 0, sizeof(*ns));
	strcpy(ns->name, "too-early");
	ns->addr = asv_cpu_to_le32(0x400);
	h->rx_vr.used->ring[0].id = asv_cpu_to_le32(id);
	h->rx_vr.used->ring[0].len = asv_cpu_to_le32(sizeof(*hdr) + sizeof(*ns));
	h->rx_vr.used->idx = asv_cpu_to_le16(1);
	asv_host_early_look(h, &e->after);
	/* an id past the host's buffers: no message reported */
	h->rx_vr.used->ring[0].id = asv_cpu_to_le32(h->nbufs);
	asv_host_early_look(h, &e->before);
	h->rx_vr.used->ring[0].id = asv_cpu_to_le32(id);
}

static void test_before_driver_ok_window(void **state)
{
	struct early_seen e;
	struct asv_host_config hc;
	struct msys m;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.m = &m;
	assert_int_equal(msys_init_remote(&m, NULL), 0);
	memset(&hc, 0, sizeof(hc));
	asv_rproc_host_config(&m.rproc, &hc);
	hc.env = m.henv;
	hc.before_driver_ok = early_hook;
	hc.before_driver_ok_priv = &e;
	assert_int_equal(asv_host_init(&m.host, &hc), 0);
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.status, 0);
	assert_int_equal(e.avail_idx, m.host.nbufs);
	assert_true(e.gfeatures & (1u << ASV_VIRTIO_RPMSG_F_NS));
	assert_int_equal(e.remote_irqs, 0);
	assert_int_equal(e.before.used_idx[0], 1); /* the bad id, not a message */
	assert_false(e.before.msg);
	assert_int_equal(e.after.used_idx[0], 1);
	assert_int_equal(e.after.used_idx[1], 0);
	assert_true(e.after.msg);
	assert_int_equal(e.after.src, 0x400);
	assert_int_equal(e.after.dst, ASV_RPMSG_NS_ADDR);
	assert_string_equal(e.after.name, "too-early");
	/* then DRIVER_OK and the kick, as without the hook */
	assert_int_equal(m.rproc.vdev->status, ASV_VIRTIO_STATUS_ACKNOWLEDGE |
						   ASV_VIRTIO_STATUS_DRIVER |
						   ASV_VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(m.remote_irqs, 1);
	msys_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_byte_is_legacy),
		cmocka_unit_test(test_dynamic_address_is_lowest_free),
		cmocka_unit_test(test_ns_flags_are_a_bit_mask),
		cmocka_unit_test(test_host_acks_only_what_it_implements),
		cmocka_unit_test(test_remote_never_offers_what_it_lacks),
		cmocka_unit_test(test_destroy_from_linux_unbinds),
		cmocka_unit_test(test_before_driver_ok_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
