/* Switch statements dense enough to become jump tables on arm64 (GCC: ldrb/ldrh +
 * adr + add sxtb/sxth #2 + br; clang: ldrb + adr + add lsl #2 + br), used by the arm64
 * jump-table tests: every case must be reached through its table. */
struct dev { int state; int count; long regs[8]; };
int notify(struct dev *d, int what);

int dispatch(struct dev *d, unsigned int op)
{
	int r = 0;
	switch (op) {
	case 0: r = notify(d, 10); break;
	case 1: d->count++; break;
	case 2: r = notify(d, d->count); break;
	case 3: d->regs[1] = 7; break;
	case 4: r = notify(d, 4) + notify(d, 5); break;
	case 5: d->state = 2; break;
	case 6: d->regs[2] += d->regs[3]; break;
	case 8: r = -22; break;
	case 9: d->regs[0] = 0; r = notify(d, 9); break;
	case 11: r = d->state; break;
	default: r = -95; break;
	}
	return r + d->count;
}

long big_switch(unsigned int v, long a)
{
	switch (v) {
	case 0: return a * 3;
	case 3: return a + 17;
	case 7: return a ^ 0x55;
	case 12: return a - 1;
	case 13: return a << 2;
	case 21: return a >> 1;
	case 30: return -a;
	case 31: return a * a;
	case 44: return a | 0x100;
	case 57: return a & 0xff;
	case 60: return a + 60;
	case 71: return a % 7;
	case 80: return a / 3;
	case 99: return notify(0, (int)a);
	case 120: return 120;
	case 200: return a - 200;
	case 250: return a + 250;
	case 255: return 0;
	default: return a;
	}
}
