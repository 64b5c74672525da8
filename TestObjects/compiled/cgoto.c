/* cgoto.c - C computed goto, the shape of the kernel's BPF interpreter
 * (kernel/bpf/core.c ___bpf_prog_run): a static table of label addresses and a
 * dispatch at the end of every handler. */
struct insn { unsigned char code; signed char imm; };

extern void trace_op(int op);

long run(const struct insn *insn, long acc)
{
	static const void *const jumptable[4] = {
		[0] = &&op_exit, [1] = &&op_add, [2] = &&op_sub, [3] = &&op_call,
	};
#define CONT ({ insn++; goto *jumptable[insn->code & 3]; })
	goto *jumptable[insn->code & 3];
op_add:
	acc += insn->imm;
	CONT;
op_sub:
	acc -= insn->imm;
	CONT;
op_call:
	trace_op(insn->imm);
	CONT;
op_exit:
	return acc;
}
