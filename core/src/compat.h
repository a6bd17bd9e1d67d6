/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/*
 * The only place where the core differs between user space and the Linux
 * kernel: headers, memory-ordering primitives and string helpers. The core
 * makes no OS calls; everything else it needs comes through struct asv_env.
 */
#ifndef ASVIRT_COMPAT_H
#define ASVIRT_COMPAT_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <asm/processor.h>
#include <linux/compiler.h>

#define asv_load_acquire(p) smp_load_acquire(p)
#define asv_store_release(p, v) smp_store_release(p, v)
#define asv_load_relaxed(p) READ_ONCE(*(p))
#define asv_store_relaxed(p, v) WRITE_ONCE(*(p), v)
/* Full barrier between a shared-memory store and a later load. */
#define asv_mb() virt_mb()
#define ASV_UNUSED __maybe_unused
#define asv_cpu_relax() cpu_relax()
#define asv_atomic_add(p, v) __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST)
#define asv_container_of(p, type, member) container_of(p, type, member)
#define ASV_ALWAYS_INLINE __always_inline
/*
 * The kernel has no <inttypes.h>. Its uint32_t is u32 (unsigned int) and
 * its uint64_t u64 (unsigned long long) on every architecture
 * (include/uapi/asm-generic/int-ll64.h), so these are the conversions.
 */
#define PRId32 "d"
#define PRIu32 "u"
#define PRIx32 "x"
#define PRIu64 "llu"
#define PRIx64 "llx"
#else
#include <stdarg.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * GCC/Clang __atomic builtins: understood by ThreadSanitizer, and they
 * compile to plain moves on x86 for acquire/release.
 */
#define asv_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define asv_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define asv_load_relaxed(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define asv_store_relaxed(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)
/* ThreadSanitizer: GCC says so with a macro, Clang with __has_feature. */
#if defined(__SANITIZE_THREAD__)
#define ASV_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ASV_TSAN 1
#endif
#endif
#if defined(__x86_64__) && !defined(ASV_TSAN)
/*
 * A locked add to the stack orders earlier stores before later loads like
 * mfence does, at a fraction of its cost (Linux's smp_mb() on x86 does
 * the same). The hot path runs it once per message.
 */
#define asv_mb() __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")
#else
#define asv_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#define ASV_UNUSED __attribute__((unused))
/* The structure that embeds *@p as its @member (the kernel's container_of). */
#define asv_container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))
/* Hot-path templates: inlined so that their role hooks become direct calls. */
#define ASV_ALWAYS_INLINE inline __attribute__((always_inline))
#define asv_atomic_add(p, v) __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST)
#if defined(__x86_64__) || defined(__i386__)
#define asv_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define asv_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define asv_cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif
#endif

#define ASV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* strnlen is not C11; the core carries its own. */
static inline size_t asv_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

#endif /* ASVIRT_COMPAT_H */
