/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences between the long-term kernels the module is
 * tested on (6.1 and 6.12, Debian's linux-source-6.1 and -6.12), in one
 * place. Each is decided by what the kernel's headers declare (probed in
 * Kbuild, which sets an ASVIRT_HAVE_* flag), not by LINUX_VERSION_CODE: a
 * distribution kernel may carry the change backported.
 */
#ifndef ASVIRT_KCOMPAT_H
#define ASVIRT_KCOMPAT_H

/*
 * struct platform_driver's .remove returns void since 6.11 (6.1's
 * include/linux/platform_device.h: "int (*remove)(struct platform_device *)";
 * 6.12's: "void (*remove)(struct platform_device *)").
 */
#ifdef ASVIRT_HAVE_VOID_PLATFORM_REMOVE
#define ASVIRT_REMOVE_RET void
#define ASVIRT_REMOVE_OK
#else
#define ASVIRT_REMOVE_RET int
#define ASVIRT_REMOVE_OK 0
#endif

/*
 * Attach mode (attach=1) needs no check: the attach, detach and boot
 * recovery paths it takes are the same in 6.1 and 6.12; the one that
 * differs, rproc_attach_recovery() (RPROC_FEAT_ATTACH_ON_RECOVERY), is
 * not used (kernel/README.md, "Attach mode").
 */

#endif
