// SPDX-License-Identifier: GPL-2.0
/*
 * multi_calls.c - part of oot_multi: static-call targets, a tail call through a static
 * call, a switch (jump table) and a function whose address escapes (its ENDBR stays).
 */
#include <linux/kernel.h>
#include "oot.h"
#include <linux/static_call.h>

DECLARE_STATIC_CALL(oot_scale, oot_double);

noinline int oot_double(int x) { return 2 * x; }
noinline int oot_triple(int x) { return 3 * x; }

noinline int oot_tail(int x)
{
	return static_call(oot_scale)(x + 1);
}

noinline int oot_switch(int k, int x)
{
	switch (k) {
	case 0: return x;
	case 1: return oot_double(x);
	case 2: return oot_triple(x);
	case 3: return oot_tail(x);
	case 4: return x - 4;
	case 5: return x ^ 5;
	case 6: return x << 6;
	default: return -1;
	}
}

int (*oot_escape)(int) = oot_double;
