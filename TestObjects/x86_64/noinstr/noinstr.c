/* noinstr.c - KCOV calls (gcc -fsanitize-coverage=trace-pc) in .noinstr.text for --hacks=noinstr. */
__attribute__((section(".noinstr.text"))) int entry_work(int x) { if (x > 3) return x * 2; return x + 1; }
__attribute__((section(".noinstr.text"))) int entry_tail(int x);
int helper(int x);
__attribute__((section(".noinstr.text"))) int entry_tail(int x) { return helper(x + 1); }
int plain(int x) { if (x) return x; return 7; }
