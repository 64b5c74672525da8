/* SPDX-License-Identifier: GPL-2.0 */
/* oot.h - the functions the kbuild-oot modules share (prototypes, for -Wmissing-prototypes). */
#ifndef OOT_H
#define OOT_H
#include <linux/compiler.h>
int oot_double(int x);
int oot_triple(int x);
int oot_tail(int x);
int oot_switch(int k, int x);
int oot_patched(int v);
int oot_keys(int v);
int oot_read_user(const int __user *p);
long oot_asm_sum(long a, long b);
long oot_asm_indirect(long (*fn)(long, long), long a, long b);
long single_copy(const void __user *src);
#endif
