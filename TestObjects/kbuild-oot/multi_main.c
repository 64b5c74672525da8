// SPDX-License-Identifier: GPL-2.0
/*
 * multi_main.c - part of oot_multi (Scripts/kbuild-oot.sh): static keys, static calls,
 * alternatives whose streams differ in length, an indirect call (a retpoline under
 * MITIGATION_RETPOLINE), WARN_ON, a user access (an exception-table entry) and the
 * module's init and exit functions.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include "oot.h"
#include <linux/jump_label.h>
#include <linux/static_call.h>
#include <linux/uaccess.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>

DEFINE_STATIC_KEY_FALSE(oot_slow_path);
DEFINE_STATIC_KEY_TRUE(oot_fast_path);

DEFINE_STATIC_CALL(oot_scale, oot_double);
EXPORT_STATIC_CALL(oot_scale);

int (*oot_hook)(int) = oot_triple;

noinline int oot_patched(int v)
{
	asm volatile(ALTERNATIVE("nop", "lfence", X86_FEATURE_LFENCE_RDTSC));
	asm volatile(ALTERNATIVE_2("nop", "mfence", X86_FEATURE_XMM2, "sfence", X86_FEATURE_XMM));
	return v + 3;
}

noinline int oot_keys(int v)
{
	int r = 0;

	if (static_branch_unlikely(&oot_slow_path))
		r += static_call(oot_scale)(v);
	if (static_branch_likely(&oot_fast_path))
		r += oot_hook(v);
	WARN_ON(v == 1234);
	return r + oot_patched(v);
}
EXPORT_SYMBOL_GPL(oot_keys);

noinline int oot_read_user(const int __user *p)
{
	int v;

	if (get_user(v, p))
		return -EFAULT;
	return oot_keys(v) + (int)oot_asm_indirect(oot_asm_sum, v, 2);
}
EXPORT_SYMBOL_GPL(oot_read_user);

static int __init oot_multi_init(void)
{
	static_call_update(oot_scale, oot_triple);
	return oot_keys(1) > 0 ? 0 : 0;
}

static void __exit oot_multi_exit(void)
{
	static_branch_disable(&oot_fast_path);
}

module_init(oot_multi_init);
module_exit(oot_multi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("unwindcheck Kbuild round trip: multi-object module");
