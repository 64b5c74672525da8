// altmacros61.h - hand-written patch sites in the 6.1 (12-byte) layout:
//   struct alt_instr { s32 orig; s32 repl; u16 cpuid; u8 instrlen; u8 replacementlen; }
#define ALT_ENTRY61(os, oe, rs, re, feat) \
	.pushsection .altinstructions,"a" ; \
	.long os - . ; \
	.long rs - . ; \
	.2byte feat ; \
	.byte oe - os ; \
	.byte re - rs ; \
	.popsection
