/* mcount.c - ftrace entry calls (gcc -pg -mfentry, no -mrecord-mcount) for --mcount/--mnop (__mcount_loc). */
int leaf(int x) { return x * 2; }
int mid(int x) { return leaf(x) + 1; }
static int hidden(int x) { return mid(x) - 3; }
int top(int x) { return hidden(x) + leaf(x); }
