// SPDX-License-Identifier: GPL-2.0
/*
 * oot_single.c - a single-object module (objtool runs on oot_single.o itself): jump
 * labels both ways, a copy from user space (exception table), an indirect call, a
 * sibling call, and init/exit.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include "oot.h"
#include <linux/jump_label.h>
#include <linux/uaccess.h>

static DEFINE_STATIC_KEY_FALSE(single_key);
static long (*single_op)(long) = NULL;

static noinline long single_inc(long v) { return v + 1; }

noinline long single_copy(const void __user *src)
{
	long v = 0;

	if (copy_from_user(&v, src, sizeof(v)))
		return -EFAULT;
	if (static_branch_unlikely(&single_key))
		v = single_op ? single_op(v) : v;
	return single_inc(v);
}
EXPORT_SYMBOL_GPL(single_copy);

static int __init single_init(void)
{
	single_op = single_inc;
	static_branch_enable(&single_key);
	return 0;
}

static void __exit single_exit(void)
{
	static_branch_disable(&single_key);
}

module_init(single_init);
module_exit(single_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("unwindcheck Kbuild round trip: single-object module");
