/* compiled/list_sort.c - real C: the merge step of a linked-list merge sort in the
 * style of the kernel's lib/list_sort.c (written for this project), with an indirect
 * comparison callback, a loop, and a switch dense enough for a jump table. */
struct node { struct node *next; long key; };
typedef int (*cmp_fn)(void *priv, const struct node *a, const struct node *b);

struct node *merge_lists(void *priv, cmp_fn cmp, struct node *a, struct node *b)
{
	struct node *head = 0, **tail = &head;
	for (;;) {
		if (cmp(priv, a, b) <= 0) {
			*tail = a; tail = &a->next; a = a->next;
			if (!a) { *tail = b; break; }
		} else {
			*tail = b; tail = &b->next; b = b->next;
			if (!b) { *tail = a; break; }
		}
	}
	return head;
}

long classify(long v, long w)
{
	switch (v) {
	case 0: return w + 3;
	case 1: return w * 7;
	case 2: return w - 11;
	case 3: return w ^ 0x55;
	case 4: return w << 2;
	case 5: return w >> 1;
	case 6: return -w;
	default: return 0;
	}
}
