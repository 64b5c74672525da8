/* Shrink-wrapping: the frame is set up only on the path that needs it, so clang
 * describes the early return with .cfi_remember_state / .cfi_restore_state
 * (TestObjects/sframe: GNU as 2.40's SFrame translation of that is wrong). */
struct ops {
	void *data;
	long (*get)(void *);
	void (*put)(void *, long);
};

long take_twice(struct ops *o)
{
	if (!o || !o->get)
		return -2;
	long a = o->get(o->data);
	long b = o->get(o->data);
	if (o->put)
		o->put(o->data, a + b);
	return a - b;
}
