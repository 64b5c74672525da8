// altmacros.h - helpers for hand-written patch sites in the 6.12 (14-byte) layout:
//   struct alt_instr { s32 orig; s32 repl; u32 ft_flags; u8 orig_len; u8 repl_len; }
// ALT_ENTRY orig_start, orig_end, repl_start, repl_end, feature
// The original site must already be padded to its final length (NOPs).
#define ALT_ENTRY(os, oe, rs, re, feat) \
	.pushsection .altinstructions,"a" ; \
	.long os - . ; \
	.long rs - . ; \
	.4byte feat ; \
	.byte oe - os ; \
	.byte re - rs ; \
	.popsection
