// SPDX-License-Identifier: GPL-2.0
/*
 * patchsites.c - a module built against the real Debian 6.12 kernel headers
 * (Scripts/build-kernel-module.sh), so its patch sites come from the kernel's own
 * macros: ALTERNATIVE() and ALTERNATIVE_2() (nested, 6.10+) whose replacements move
 * the stack, a static key (__jump_table, asm goto), WARN_ON (ud2 + __bug_table +
 * .discard.reachable) and an exception-table entry (a user access).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/jump_label.h>
#include <linux/uaccess.h>
#include <asm/alternative.h>
#include <asm/cpufeatures.h>

DEFINE_STATIC_KEY_FALSE(ps_key);

/* A replacement that pushes and pops inside a site of the same length: its interior
 * boundary (+1) is not a boundary of the original 2-byte NOP, so no conflict. */
noinline unsigned long ps_balanced(unsigned long v)
{
	asm volatile(ALTERNATIVE("xchg %%ax, %%ax", "push %%rax; pop %%rax", X86_FEATURE_XMM2)
		     ::: "memory");
	return v + 1;
}

/* Three streams of different lengths (nested ALTERNATIVE_2). */
noinline unsigned long ps_three(unsigned long v)
{
	asm volatile(ALTERNATIVE_2("nop", "lfence", X86_FEATURE_LFENCE_RDTSC,
				   "pushf; popf", X86_FEATURE_XMM) ::: "memory");
	return v * 3;
}

noinline unsigned long ps_key_user(unsigned long v)
{
	if (static_branch_unlikely(&ps_key))
		return ps_balanced(v) + ps_three(v);
	WARN_ON(v == 42);
	return v;
}

noinline int ps_user(const int __user *p)
{
	int x;

	if (get_user(x, p))
		return -14;
	return x + 1;
}
EXPORT_SYMBOL_GPL(ps_key_user);
EXPORT_SYMBOL_GPL(ps_user);

static int __init ps_init(void)
{
	return ps_key_user(1) == 0;
}
module_init(ps_init);
MODULE_LICENSE("GPL");
