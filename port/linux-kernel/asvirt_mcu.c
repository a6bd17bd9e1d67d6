// SPDX-License-Identifier: GPL-2.0
/*
 * asvirt kernel port: struct asv_env on kernel threads, semaphores and
 * mutexes, plus the virtual MCU's life cycle (see asvirt_mcu.h).
 */
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "asvirt_mcu.h"
#include "asvirt/errors.h"

/* One lockdep class per lock id: the core nests TX inside RX, etc. */
static struct lock_class_key asvirt_lock_keys[ASV_LOCK_COUNT];
static const char * const asvirt_lock_names[ASV_LOCK_COUNT] = {
	"asvirt_tx", "asvirt_rx", "asvirt_ept", "asvirt_ret",
};

/* ---- the MCU's console: the trace buffer, written by the core ---- */

void asvirt_mcu_trace(struct asvirt_mcu *m, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* The core owns trace0 once it runs; before that, dmesg only. */
	if (m->linked)
		asv_remote_printf(&m->remote, "%s\n", line);
	else
		dev_dbg(m->dev, "mcu: %s\n", line);
}

/* The core's log hook: the core copies its lines to trace0 itself. */
static void env_log(void *ctx, int level, const char *msg)
{
	struct asvirt_mcu *m = ctx;

	if (level <= ASV_LOG_WARN)
		dev_warn(m->dev, "mcu: %s\n", msg);
}

/* ---- struct asv_env ---- */

static void env_notify(void *ctx, u32 notifyid)
{
	struct asvirt_mcu *m = ctx;

	if (!READ_ONCE(m->crashed))
		m->notify_host(m->notify_ctx, notifyid);
}

static u32 env_wait_gen(void *ctx)
{
	struct asvirt_mcu *m = ctx;

	return atomic_read(&m->gen);
}

static int env_wait(void *ctx, u32 gen, u32 timeout_ms)
{
	struct asvirt_mcu *m = ctx;
	long left;

	/*
	 * Only a wake-up or the timeout ends the wait, never m->stopping: the
	 * core's waiters re-check their own state after every return, and the
	 * close (asv_rpmsg_close()) waits for senders in a wake-and-wait loop
	 * that would spin without sleeping if this returned at once (a
	 * PREEMPT_NONE kernel never preempts that loop for the sender).
	 */
	left = wait_event_timeout(m->wq, atomic_read(&m->gen) != gen,
				  msecs_to_jiffies(timeout_ms));
	return left ? 0 : -ASV_ETIMEDOUT;
}

static void env_wake(void *ctx)
{
	struct asvirt_mcu *m = ctx;

	atomic_inc(&m->gen);
	wake_up_all(&m->wq);
}

/*
 * A callback on the ISR thread waits for the next simulated interrupt, in
 * slices the core chooses (it re-checks the close after each). Never
 * returns early without waiting: the core loops until its deadline.
 */
static int env_isr_wait(void *ctx, u32 timeout_ms)
{
	struct asvirt_mcu *m = ctx;

	if (down_timeout(&m->irq, msecs_to_jiffies(timeout_ms)))
		return -ASV_ETIMEDOUT;
	/* Give a stop request back to the main loop. */
	if (READ_ONCE(m->stopping)) {
		up(&m->irq);
		return -ASV_ESHUTDOWN;
	}
	return 0;
}

static bool env_in_isr(void *ctx)
{
	struct asvirt_mcu *m = ctx;

	return current == m->isr;
}

static void env_lock(void *ctx, enum asv_lock_id id)
{
	struct asvirt_mcu *m = ctx;

	mutex_lock(&m->locks[id]);
}

static void env_unlock(void *ctx, enum asv_lock_id id)
{
	struct asvirt_mcu *m = ctx;

	mutex_unlock(&m->locks[id]);
}

static u64 env_now_ms(void *ctx)
{
	/* Not a plain u64 division: 32-bit ARM has no __aeabi_uldivmod in-kernel. */
	return ktime_to_ms(ktime_get());
}

static void asvirt_mcu_env(struct asvirt_mcu *m, struct asv_env *env)
{
	memset(env, 0, sizeof(*env));
	env->ctx = m;
	env->notify = env_notify;
	env->wait_gen = env_wait_gen;
	env->wait = env_wait;
	env->wake = env_wake;
	env->isr_wait = env_isr_wait;
	env->in_isr = env_in_isr;
	env->lock = env_lock;
	env->unlock = env_unlock;
	env->now_ms = env_now_ms;
	env->log = env_log;
	env->log_ctx = m;
	env->log_level = ASV_LOG_INFO;
}

/* ---- memory ---- */

static void *mcu_translate(struct asvirt_mcu *m, u64 da, size_t len)
{
	unsigned int i;

	for (i = 0; i < m->nmem; i++) {
		void *va = asv_region_to_va(&m->mem[i], da, len);

		if (va)
			return va;
	}
	return NULL;
}

/*
 * Map the host's rpmsg buffer window with the attributes the host maps it
 * with. On a cache-coherent device (x86) dma_alloc_coherent() memory is
 * ordinary cached RAM: the linear map (memremap WB) is right. On ARM the
 * rpmsg device is not DMA-coherent, so virtio_rpmsg_bus writes and reads
 * its buffers through a Normal non-cacheable alias (pgprot_dmacoherent);
 * the MCU reading them through the cacheable linear map would be a
 * mismatched-attribute alias that can hit stale lines on real Cortex-A
 * hardware (QEMU models no caches, so no test can show it). Map the same
 * pages non-cacheable instead.
 */
static void *mcu_map_bufs(struct asvirt_mcu *m, u64 base, u64 size)
{
#ifdef pgprot_dmacoherent
	if (m->bufs_dev && !dev_is_dma_coherent(m->bufs_dev)) {
		unsigned int i, n = size >> PAGE_SHIFT;
		struct page **pages;
		void *va;

		if (!PAGE_ALIGNED(base) || !PAGE_ALIGNED(size))
			return NULL;
		pages = kmalloc_array(n, sizeof(*pages), GFP_KERNEL);
		if (!pages)
			return NULL;
		for (i = 0; i < n; i++) {
			if (!pfn_valid(PHYS_PFN(base) + i)) {
				kfree(pages);
				return NULL;
			}
			pages[i] = pfn_to_page(PHYS_PFN(base) + i);
		}
		va = vmap(pages, n, VM_MAP, pgprot_dmacoherent(PAGE_KERNEL));
		kfree(pages);
		m->bufs_vmapped = va;
		return va;
	}
#endif
	m->bufs_vmapped = false;
	return memremap(base, size, MEMREMAP_WB);
}

static void mcu_unmap_bufs(struct asvirt_mcu *m)
{
	if (!m->bufs_map)
		return;
	if (m->bufs_vmapped)
		vunmap(m->bufs_map);
	else
		memunmap(m->bufs_map);
	m->bufs_map = NULL;
}

/*
 * Find the window the host's rpmsg buffers live in, when the table has no
 * "vdev0buffer" carveout (x86: dma_declare_coherent_memory() is not
 * available). virtio_rpmsg_bus then allocates all its buffers with one
 * dma_alloc_coherent() call, posts the first half as receive buffers into
 * vring[0] in order before DRIVER_OK, and hands out the second half for
 * sending. We accept that layout only when every posted descriptor matches
 * it and the whole window is system RAM; it is then mapped once and every
 * later buffer address is checked against it by the core.
 *
 * @vdev is the core's private copy of the vdev entry: its fields do not
 * change under us. The descriptors are in shared memory: each is read once.
 */
static int mcu_find_bufs(struct asvirt_mcu *m, const struct asv_fw_rsc_vdev *vdev,
			 struct asv_mem_region *out)
{
	const struct asv_fw_rsc_vdev_vring *v = &vdev->vring[0];
	u32 num = asv_le32(v->num), align = asv_le32(v->align);
	u32 da = asv_le32(v->da);
	struct asv_vring vr;
	u64 base = 0, size;
	unsigned int i, nrx;
	void *va;

	va = mcu_translate(m, da, asv_vring_size(num, align));
	if (!va || num > ASV_REMOTE_MAX_NUM ||
	    asv_vring_init(&vr, va, num, align, false)) {
		dev_err(m->dev, "mcu: vring0 da 0x%x outside our memory\n", da);
		return -EFAULT;
	}
	nrx = min(num, 256u);
	for (i = 0; i < nrx; i++) {
		u64 addr = asv_le64(READ_ONCE(vr.desc[i].addr));
		u32 len = asv_le32(READ_ONCE(vr.desc[i].len));

		if (!i)
			base = addr;
		if (addr != base + (u64)i * ASV_RPMSG_BUF_SIZE ||
		    len != ASV_RPMSG_BUF_SIZE) {
			dev_err(m->dev,
				"mcu: refusing rx buffer %u at 0x%llx+%u: not in the rpmsg buffer window\n",
				i, addr, len);
			return -EFAULT;
		}
	}
	size = 2ULL * nrx * ASV_RPMSG_BUF_SIZE;
	if (!base || base + size < base ||
	    region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_INTERSECTS) {
		dev_err(m->dev, "mcu: refusing buffer window 0x%llx+0x%llx: not RAM\n",
			base, size);
		return -EFAULT;
	}
	m->bufs_map = mcu_map_bufs(m, base, size);
	if (!m->bufs_map)
		return -ENOMEM;
	out->va = m->bufs_map;
	out->da = base;
	out->size = size;
	return 0;
}

/*
 * Test: play a host that rewrites the loaded table while the MCU links.
 * Called once, right after the MCU's first read of the table at link
 * time: points every rpmsg vdev entry's offset at the first byte past the
 * MCU's SRAM (a vmalloc guard page). A port that parses the shared table
 * after checking it faults there; one that parses a private copy never
 * looks, and the core's link-up refuses the changed table.
 */
static void mcu_race_table(struct asvirt_mcu *m)
{
	struct asv_resource_table *t = m->table;
	const struct asv_mem_region *sram = &m->mem[0];
	u32 i, num = min_t(u32, asv_le32(READ_ONCE(t->num)),
			   (m->table_size - sizeof(*t)) / 4);
	u32 past = (u32)((u8 *)sram->va + sram->size - (u8 *)m->table);

	m->inject_table_race = false;
	for (i = 0; i < num; i++) {
		u32 off = asv_le32(READ_ONCE(t->offset[i]));
		struct asv_fw_rsc_hdr *h;

		if (off > m->table_size - sizeof(*h))
			continue;
		h = (void *)((u8 *)m->table + off);
		if (asv_le32(READ_ONCE(h->type)) != ASV_RSC_VDEV)
			continue;
		WRITE_ONCE(t->offset[i], asv_cpu_to_le32(past));
		dev_info(m->dev, "mcu: fault injection: table entry %u offset 0x%x -> 0x%x\n",
			 i, off, past);
	}
}

/*
 * The core's remote on the loaded table. asv_remote_init() copies the
 * table into the remote's private memory (each shared word read once),
 * validates the copy and parses only the copy; the host can rewrite the
 * loaded table at any time, so the port never parses it itself: what it
 * needs (the vdev status, vring0, the carveouts) it takes from the copy.
 */
static int mcu_remote_init(struct asvirt_mcu *m)
{
	struct asv_remote_config cfg;
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	asvirt_mcu_env(m, &cfg.env);
	cfg.rsc_table = m->table;
	cfg.rsc_size = m->table_size;
	cfg.regions = m->mem;
	cfg.nregions = m->nmem;
	if (!m->fault)
		return asv_remote_init(&m->remote, &cfg);
	/* Under the fault lock: a plan written now sees the new remote. */
	mutex_lock(&m->fault->lock);
	ret = asv_remote_init(&m->remote, &cfg);
	m->fault->ready = ret ? NULL : m;
	if (!ret) {
		/* a fresh remote holds no buffer back */
		WRITE_ONCE(m->fault->plan.held, 0);
		m->fault->plan.hooks.ctx = m;
		asv_remote_set_fault(&m->remote, &m->fault->plan);
	}
	mutex_unlock(&m->fault->lock);
	return ret;
}

/* First kick with DRIVER_OK: map the buffers, start the core and the app. */
static int mcu_link(struct asvirt_mcu *m)
{
	const struct asv_fw_rsc_vdev *vdev;
	struct asv_mem_region bufs = { };
	int ret;

	ret = mcu_remote_init(m);
	if (ret) {
		dev_err(m->dev, "mcu: remote init failed: %s\n", asv_strerror(ret));
		return ret;
	}
	if (m->inject_table_race)
		mcu_race_table(m);
	/* From here on, only the private copy: m->remote.vdev points into it. */
	vdev = m->remote.vdev;
	if (!(vdev->status & ASV_VIRTIO_STATUS_DRIVER_OK))
		return -EAGAIN;
	if (!asv_rsc_find_carveout(m->remote.table_copy, ASV_RSC_VDEV0_BUFFER)) {
		ret = mcu_find_bufs(m, vdev, &bufs);
		if (!ret)
			ret = asv_remote_set_buffers(&m->remote, &bufs);
		if (ret)
			return ret;
	}
	/*
	 * Committed: from here on a stop must close the remote (senders may
	 * exist); a stop that came first gets no app and no link.
	 */
	mutex_lock(&m->life);
	if (m->stopping) {
		mutex_unlock(&m->life);
		return -ESHUTDOWN;
	}
	m->open = true;
	mutex_unlock(&m->life);
	ret = m->app->start(&m->remote, m->app_state);
	if (ret) {
		dev_err(m->dev, "mcu: app %s failed to start: %s\n",
			m->app->name, asv_strerror(ret));
		return ret;
	}
	WRITE_ONCE(m->linked, true);
	asvirt_mcu_trace(m, "MCU booted, firmware app '%s'", m->app->name);
	if (m->bufs_map)
		asvirt_mcu_trace(m, "rpmsg buffers: 0x%llx+0x%llx (learned from vring0, %s)",
				 bufs.da, (u64)bufs.size,
				 m->bufs_vmapped ? "non-cacheable" : "cached");
	return 0;
}

/*
 * Fault injection (tests): play a buggy host by pointing every buffer the
 * host queued on vring[1] and the MCU has not consumed yet outside the
 * rpmsg buffer window. The core must refuse them with a log line. Only
 * shared memory is touched, as a host would; returns true once done.
 */
static bool mcu_corrupt_rx(struct asvirt_mcu *m)
{
	const struct asv_fw_rsc_vdev *vdev = m->remote.vdev;
	const struct asv_fw_rsc_vdev_vring *v = &vdev->vring[1];
	u32 num = asv_le32(v->num), align = asv_le32(v->align);
	u16 i, end, id;
	struct asv_vring vr;
	void *va;
	bool done = false;

	va = mcu_translate(m, asv_le32(v->da), asv_vring_size(num, align));
	if (!va || asv_vring_init(&vr, va, num, align, false))
		return false;
	/* Pairs with the host's release of avail->idx (virtio_ring). */
	end = asv_le16(smp_load_acquire(&vr.avail->idx));
	for (i = asv_le16(READ_ONCE(vr.used->idx)); i != end; i++) {
		id = asv_le16(READ_ONCE(vr.avail->ring[i & vr.mask]));
		if (id >= vr.num)
			continue;
		WRITE_ONCE(vr.desc[id].addr, asv_cpu_to_le64(0xdead0000ULL));
		dev_info(m->dev, "mcu: fault injection: vring1 descriptor %u -> 0xdead0000\n", id);
		done = true;
	}
	return done;
}

/* One interrupt of the MCU; under m->session (a host leaving waits). */
static void mcu_isr_once(struct asvirt_mcu *m)
{
	int ret;

	/* A crashed MCU, or one with interrupts masked, ignores them. */
	if (READ_ONCE(m->crashed) || READ_ONCE(m->paused))
		return;
	if (!m->linked) {
		ret = mcu_link(m);
		if (ret == -EAGAIN || READ_ONCE(m->stopping))
			return;
		if (ret) {
			dev_err(m->dev, "mcu: cannot bring the link up (%d)\n", ret);
			WRITE_ONCE(m->crashed, true);
			return;
		}
	}
	if (READ_ONCE(m->inject_bad_addr) && mcu_corrupt_rx(m))
		WRITE_ONCE(m->inject_bad_addr, false);
	ret = asv_remote_isr(&m->remote);
	/*
	 * A stop closes the remote (-ESHUTDOWN from here on) after setting
	 * m->stopping: that is no fault to report.
	 */
	if (ret && ret != -ASV_ENODEV && !READ_ONCE(m->stopping)) {
		/* Like firmware that faults: stop, let the host recover us. */
		dev_err(m->dev, "mcu: link down: %s\n", asv_strerror(ret));
		asvirt_mcu_trace(m, "MCU halted: %s", asv_strerror(ret));
		WRITE_ONCE(m->crashed, true);
		m->fatal(m->notify_ctx);
	}
}

/*
 * The MCU's interrupt thread. It ends only at asvirt_mcu_stop() (m->exit);
 * while no host is linked (m->stopping: stopped, or the host left an
 * attached MCU, asvirt_mcu_leave()) it takes interrupts and ignores them.
 */
static int mcu_isr_thread(void *data)
{
	struct asvirt_mcu *m = data;

	for (;;) {
		down(&m->irq);
		if (READ_ONCE(m->exit))
			break;
		mutex_lock(&m->session);
		if (!READ_ONCE(m->stopping))
			mcu_isr_once(m);
		mutex_unlock(&m->session);
	}
	asvirt_wait_for_stop();
	return 0;
}

void asvirt_wait_for_stop(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
}

/* ---- the fault plan (test): debugfs remoteprocN/asvirt_fault ---- */

static void mcu_fault_crash(void *ctx, const char *why)
{
	struct asvirt_mcu *m = ctx;

	dev_info(m->dev, "mcu: fault injection: %s, the MCU crashes\n", why);
	if (READ_ONCE(m->crashed))
		return;
	WRITE_ONCE(m->crashed, true);
	m->fatal(m->notify_ctx);
}

static void mcu_fault_stall(void *ctx, u32 ms)
{
	msleep(ms);
}

/* Once, when the driver creates the remote. */
void asvirt_mcu_fault_init(struct asvirt_mcu_fault *f, struct device *dev)
{
	mutex_init(&f->lock);
	f->dev = dev;
	f->plan.hooks.crash = mcu_fault_crash;
	f->plan.hooks.stall = mcu_fault_stall;
}

/*
 * Replace the plan with @spec (asvirt/fault.h). A running remote is
 * detached first (a buffer reorder= held goes out), then attached to the
 * new plan if it asks for a fault. Returns 0 or -EINVAL (logged).
 */
int asvirt_mcu_set_fault(struct asvirt_mcu_fault *f, const char *spec)
{
	struct asv_fault_plan plan;
	char why[128];

	memset(&plan, 0, sizeof(plan));
	if (asv_fault_parse(&plan, spec, why, sizeof(why))) {
		dev_warn(f->dev, "asvirt_fault: %s\n", why);
		return -EINVAL;
	}
	mutex_lock(&f->lock);
	if (f->ready)
		asv_remote_set_fault(&f->ready->remote, NULL);
	asv_fault_set(&f->plan, &plan);
	if (f->ready)
		asv_remote_set_fault(&f->ready->remote, &f->plan);
	mutex_unlock(&f->lock);
	asv_fault_format(&f->plan, why, sizeof(why));
	dev_info(f->dev, "mcu: fault plan: %s\n", why);
	return 0;
}

size_t asvirt_mcu_show_fault(struct asvirt_mcu_fault *f, char *buf, size_t len)
{
	size_t n;

	n = asv_fault_format(&f->plan, buf, len);
	n += scnprintf(buf + n, len - n, "\n");
	n += asv_fault_report(&f->plan, buf + n, len - n);
	n += scnprintf(buf + n, len - n, "\n");
	return n;
}

/* ---- life cycle ---- */

int asvirt_mcu_start(struct asvirt_mcu *m)
{
	unsigned int i;

	m->app = asv_app_find(m->app_name);
	if (!m->app) {
		dev_err(m->dev, "mcu: firmware names unknown app '%s'\n", m->app_name);
		return -ENOENT;
	}
	sema_init(&m->irq, ASVIRT_MCU_IRQ_LOWERED);
	init_waitqueue_head(&m->wq);
	atomic_set(&m->gen, 0);
	for (i = 0; i < ASV_LOCK_COUNT; i++)
		__mutex_init(&m->locks[i], asvirt_lock_names[i], &asvirt_lock_keys[i]);
	/*
	 * The kernel validated the table already; we do not trust it: the
	 * core validates a private copy (again at link-up, see mcu_link()).
	 */
	if (mcu_remote_init(m)) {
		dev_err(m->dev, "mcu: resource table refused\n");
		return -EINVAL;
	}
	m->app_state = kzalloc(max_t(size_t, m->app->state_size, 1), GFP_KERNEL);
	if (!m->app_state)
		return -ENOMEM;

	mutex_init(&m->life);
	mutex_init(&m->session);
	m->linked = false;
	m->open = false;
	m->stopping = false;
	m->exit = false;
	m->crashed = false;
	m->bufs_map = NULL;
	memset(&m->evlog, 0, sizeof(m->evlog));
	m->evlog.in_isr = env_in_isr;
	m->evlog.isr_ctx = m;
	asvirt_trace_attach(m);
	m->isr = kthread_run(mcu_isr_thread, m, "asvirt-mcu%d", m->id);
	if (IS_ERR(m->isr)) {
		int ret = PTR_ERR(m->isr);

		asvirt_trace_detach(m);
		m->isr = NULL;
		kfree(m->app_state);
		m->app_state = NULL;
		return ret;
	}
	m->running = true;
	return 0;
}

/* The host's kick: raise the MCU's interrupt line. */
void asvirt_mcu_kick(struct asvirt_mcu *m)
{
	up(&m->irq);
}

/* Simulated fault: the MCU stops answering; the driver reports it. */
void asvirt_mcu_crash(struct asvirt_mcu *m)
{
	asvirt_mcu_trace(m, "MCU crashed (simulated fault)");
	WRITE_ONCE(m->crashed, true);
}

void asvirt_mcu_inject_bad_addr(struct asvirt_mcu *m)
{
	WRITE_ONCE(m->inject_bad_addr, true);
}

/*
 * Test knob: mask (true) or unmask (false) the MCU's interrupt line. While
 * masked the host fills vring[1] and runs out of buffers; unmasking runs
 * the ISR once, which drains everything queued.
 */
void asvirt_mcu_pause(struct asvirt_mcu *m, bool pause)
{
	WRITE_ONCE(m->paused, pause);
	if (!pause)
		up(&m->irq);
}

/* The flood's endpoint: whatever the host sends it is dropped. */
static int mcu_flood_cb(struct asv_endpoint *ept, void *data, size_t len,
			u32 src, void *priv)
{
	return 0;
}

/*
 * Test: a kernel thread of the MCU that sends 64-byte messages to @dst as
 * fast as the host takes them (an app sending from its own thread, not
 * from a callback). It blocks in the core's send path whenever the host
 * has no free buffer; a stop must end that send with -ESHUTDOWN.
 */
static int mcu_flood_thread(void *data)
{
	struct asvirt_mcu *m = data;
	unsigned long sent = 0;
	u8 msg[64];
	int err;

	memset(msg, 0xf1, sizeof(msg));
	do {
		err = asv_sendto(&m->flood_ept, m->flood_dst, msg, sizeof(msg));
		if (!err)
			sent++;
	} while ((!err || err == -ASV_ETIMEDOUT) && !kthread_should_stop());
	dev_info(m->dev, "mcu: flood thread: %lu messages sent, then %s\n",
		 sent, asv_strerror(err));
	asvirt_wait_for_stop();
	return 0;
}

int asvirt_mcu_flood(struct asvirt_mcu *m, u32 dst)
{
	struct task_struct *t;
	int ret = -EBUSY;

	/* Under the life lock: a stop either sees the thread or comes first. */
	mutex_lock(&m->life);
	if (!READ_ONCE(m->linked) || m->stopping || m->flood)
		goto out;
	if (asv_create_ept(&m->remote.dev, &m->flood_ept, "", ASV_RPMSG_ADDR_ANY,
			   mcu_flood_cb, m))
		goto out;
	m->flood_dst = dst;
	t = kthread_run(mcu_flood_thread, m, "asvirt-flood%d", m->id);
	if (IS_ERR(t)) {
		asv_destroy_ept(&m->flood_ept);
		ret = PTR_ERR(t);
		goto out;
	}
	m->flood = t;
	ret = 0;
out:
	mutex_unlock(&m->life);
	return ret;
}

static void mcu_flood_stop(struct asvirt_mcu *m)
{
	if (!m->flood)
		return;
	kthread_stop(m->flood);
	m->flood = NULL;
	asv_destroy_ept(&m->flood_ept);
}

/*
 * m->stopping first, under the life lock: the ISR thread either opened the
 * remote before (it is closed here) or sees m->stopping and never starts
 * the app; and it reports no fault for the -ESHUTDOWN the close makes
 * asv_remote_isr() return.
 */
static void mcu_close(struct asvirt_mcu *m)
{
	bool open;

	mutex_lock(&m->life);
	WRITE_ONCE(m->stopping, true);
	open = m->open;
	mutex_unlock(&m->life);
	if (open)
		asv_remote_shutdown(&m->remote);
	mcu_flood_stop(m);
}

/*
 * After mcu_close(), the ISR thread out of the remote: the app stopped,
 * the host's buffers unmapped. @what goes to the MCU's trace.
 */
static void mcu_end_session(struct asvirt_mcu *m, const char *what)
{
	if (m->linked) {
		m->app->stop(&m->remote, m->app_state);
		asvirt_mcu_trace(m, "%s", what);
	}
	m->linked = false;
	m->open = false;
	if (m->fault) {
		mutex_lock(&m->fault->lock);
		m->fault->ready = NULL;
		mutex_unlock(&m->fault->lock);
	}
	mcu_unmap_bufs(m);
}

/*
 * Stop the MCU: its senders, the ISR thread and the app; idempotent. Other
 * kernel threads may be in the core's send path meanwhile (the ISR thread
 * in a callback, the flood thread): the close makes each of them return
 * -ESHUTDOWN within one wait slice and returns only when none is left
 * inside, so the threads can then be stopped and the app state freed.
 */
void asvirt_mcu_stop(struct asvirt_mcu *m)
{
	if (!m->running)
		return;
	mcu_close(m);
	WRITE_ONCE(m->exit, true);
	up(&m->irq);
	kthread_stop(m->isr);
	m->isr = NULL;
	mcu_end_session(m, "MCU stopped");
	asvirt_trace_detach(m);
	kfree(m->app_state);
	m->app_state = NULL;
	m->running = false;
}

/*
 * An MCU that Linux attached to (remoteproc's attach mode) outlives its
 * host: Linux detaches, or stops the remote, and frees the vrings and the
 * rpmsg buffers (6.1 remoteproc_core.c __rproc_detach l. 1742: the
 * subdevices stop first, rpmsg_remove frees the buffers; rproc_detach
 * l. 2064 then rproc_resource_cleanup frees the vring carveouts). On real
 * hardware that memory stays and the firmware follows the vdev status
 * reset (core/src/remote_reset.c); here it is freed, so the driver ends
 * the MCU's session before the host frees anything: senders leave with
 * -ESHUTDOWN, the app stops, the buffer window is unmapped, the MCU keeps
 * only its SRAM. The interrupt thread keeps running (ignoring interrupts)
 * until asvirt_mcu_rejoin() or asvirt_mcu_stop().
 */
void asvirt_mcu_leave(struct asvirt_mcu *m)
{
	if (!m->running)
		return;
	mcu_close(m);
	/* The interrupt the thread handles ends (the close made it short). */
	mutex_lock(&m->session);
	mcu_end_session(m, "host left: session closed, MCU keeps running");
	m->nmem = 1;		/* the SRAM; the host's carveouts are gone */
	m->bufs_dev = NULL;
	WRITE_ONCE(m->leaves, m->leaves + 1);
	mutex_unlock(&m->session);
	dev_info(m->dev, "mcu: host left (%u so far), the MCU keeps running (isr thread %d)\n",
		 m->leaves, task_pid_nr(m->isr));
}

/*
 * After the host left: the vdev status of the table in SRAM, read through
 * a private, validated copy. Linux puts the table it found at attach back
 * (6.1 remoteproc_core.c rproc_reset_rsc_table_on_detach l. 1490-1534,
 * memcpy of clean_table), so the status is 0 again. Returns it, or -EINVAL.
 */
int asvirt_mcu_table_status(struct asvirt_mcu *m)
{
	struct asv_fw_rsc_vdev *vdev;
	struct asv_env env;
	void *copy;
	int ret = -EINVAL;

	copy = kmalloc(m->table_size, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, m->table, m->table_size);
	asvirt_mcu_env(m, &env);
	if (!asv_rsc_validate(copy, m->table_size, &env)) {
		vdev = asv_rsc_find_rpmsg_vdev(copy, 0, NULL);
		if (vdev)
			ret = vdev->status;
	}
	kfree(copy);
	return ret;
}

/*
 * A host attaches to the running MCU: its carveouts (@mem, @nmem, the
 * SRAM first) and the device of its rpmsg buffers. The next kick that
 * finds DRIVER_OK links the MCU up again (mcu_link(): a fresh remote on
 * the table, the app started anew).
 */
int asvirt_mcu_rejoin(struct asvirt_mcu *m, const struct asv_mem_region *mem,
		      unsigned int nmem, struct device *bufs_dev)
{
	if (!m->running || nmem > ASVIRT_MCU_MAX_MEM)
		return -EINVAL;
	mutex_lock(&m->session);
	memcpy(m->mem, mem, nmem * sizeof(*mem));
	m->nmem = nmem;
	m->bufs_dev = bufs_dev;
	memset(m->app_state, 0, max_t(size_t, m->app->state_size, 1));
	WRITE_ONCE(m->crashed, false);
	WRITE_ONCE(m->paused, false);
	mutex_lock(&m->life);
	m->open = false;
	WRITE_ONCE(m->stopping, false);
	mutex_unlock(&m->life);
	mutex_unlock(&m->session);
	return 0;
}
