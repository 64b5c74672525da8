/* kcfi.c - kCFI preambles (clang -fsanitize=kcfi): __cfi_<func> symbols for --cfi (.cfi_sites). */
int add1(int x) { return x + 1; }
int add2(int x) { return x + 2; }
int (*fp)(int) = add1;
int call(int x) { return fp(x) + add2(x); }
