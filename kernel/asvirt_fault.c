// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs remoteprocN/asvirt_fault (see asvirt_fault.h). The spec is
 * user input: bounded copy, parsed by the core (asv_fault_parse()).
 */
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "asvirt_fault.h"

static ssize_t asvirt_fault_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct asvirt_mcu_fault *f = file->private_data;
	char spec[ASV_FAULT_SPEC_MAX + 2];	/* + newline + NUL */
	int ret;

	if (!count || count > ASV_FAULT_SPEC_MAX + 1)
		return -EINVAL;
	if (copy_from_user(spec, buf, count))
		return -EFAULT;
	spec[count] = '\0';
	ret = asvirt_mcu_set_fault(f, spec);
	return ret ? ret : count;
}

static ssize_t asvirt_fault_read(struct file *file, char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct asvirt_mcu_fault *f = file->private_data;
	char text[ASV_FAULT_SPEC_MAX + 200];
	size_t n = asvirt_mcu_show_fault(f, text, sizeof(text));

	return simple_read_from_buffer(buf, count, ppos, text, n);
}

static const struct file_operations asvirt_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = asvirt_fault_read,
	.write = asvirt_fault_write,
	.llseek = generic_file_llseek,
};

struct dentry *asvirt_fault_debugfs(struct asvirt_mcu_fault *f, struct dentry *dir)
{
	return debugfs_create_file("asvirt_fault", 0600, dir, f, &asvirt_fault_fops);
}
