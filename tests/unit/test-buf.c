/* test-buf.c - invariants of the growable buffer (src/lib/buf.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"

static void check(const struct buf *b)
{
	assert_non_null(b->s);
	assert_int_equal(b->s[b->len], '\0');
	assert_int_equal(strlen(b->s), b->len); /* callers here never add NUL bytes */
	if (b->cap)
		assert_true(b->len < b->cap);
}

static void test_empty(void **state)
{
	(void)state;
	struct buf a = BUF_INIT, b;
	buf_init(&b);
	check(&a);
	check(&b);
	assert_int_equal(a.len, 0);
	assert_int_equal(a.cap, 0);
	assert_string_equal(a.s, "");
	assert_ptr_equal(a.s, buf_empty);
	/* reset and release of an empty buffer keep the invariants, and never write buf_empty */
	buf_reset(&a);
	check(&a);
	buf_release(&a);
	check(&a);
	assert_int_equal(buf_empty[0], '\0');
	/* an empty printf leaves it empty */
	buf_addf(&a, "%s", "");
	check(&a);
	assert_int_equal(a.len, 0);
	buf_release(&a);
	/* growing by 0 allocates room for the NUL only */
	buf_grow(&b, 0);
	check(&b);
	assert_true(b.cap >= 1);
	buf_release(&b);
	check(&b);
	assert_int_equal(b.cap, 0);
}

static void test_add(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "顾客");
	check(&b);
	assert_int_equal(b.len, 6);
	buf_addc(&b, ':');
	buf_add(&b, "abcdef", 3);
	check(&b);
	assert_string_equal(b.s, "顾客:abc");
	buf_adds(&b, "");
	assert_string_equal(b.s, "顾客:abc");
	buf_reset(&b);
	check(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.s, "");
	assert_true(b.cap > 0); /* keeps its memory */
	buf_adds(&b, "again");
	assert_string_equal(b.s, "again");
	buf_release(&b);
	check(&b);
	assert_ptr_equal(b.s, buf_empty);
}

static void test_many_small(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 10000; i++) {
		buf_addc(&b, (char)('a' + i % 26));
		assert_int_equal(b.len, (size_t)i + 1);
		assert_int_equal(b.s[b.len], '\0');
	}
	check(&b);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.s[i], 'a' + i % 26);
	buf_release(&b);
}

static void test_addf_growth(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_addf(&b, "%d-%s", 42, "x");
	check(&b);
	assert_string_equal(b.s, "42-x");

	/* a formatted string much longer than the current capacity */
	char *big = malloc(5001);
	memset(big, 'q', 5000);
	big[5000] = '\0';
	size_t cap0 = b.cap;
	buf_addf(&b, "[%s]", big);
	check(&b);
	assert_true(b.cap > cap0);
	assert_int_equal(b.len, 4 + 5002);
	assert_memory_equal(b.s, "42-x[q", 6);
	assert_int_equal(b.s[b.len - 1], ']');
	assert_int_equal(b.s[b.len - 2], 'q');

	/* exactly filling the capacity, then one more */
	struct buf c = BUF_INIT;
	buf_grow(&c, 10);
	size_t cap = c.cap;
	char fill[1024];
	memset(fill, 'z', sizeof(fill));
	fill[cap - 1] = '\0'; /* cap - 1 characters plus the NUL fit */
	buf_addf(&c, "%s", fill);
	check(&c);
	assert_int_equal(c.cap, cap);
	assert_int_equal(c.len, cap - 1);
	buf_addf(&c, "%c", 'y');
	check(&c);
	assert_true(c.cap > cap);
	assert_int_equal(c.s[cap - 1], 'y');
	assert_int_equal(c.s[cap - 2], 'z');

	/* many formatted pieces */
	struct buf d = BUF_INIT;
	for (int i = 0; i < 2000; i++)
		buf_addf(&d, "%d,", i);
	check(&d);
	assert_memory_equal(d.s, "0,1,2,", 6);
	assert_non_null(strstr(d.s, ",1999,"));
	assert_int_equal(d.s[d.len - 1], ',');

	free(big);
	buf_release(&b);
	buf_release(&c);
	buf_release(&d);
}

static void test_detach(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	size_t len = 99;
	/* detaching an empty buffer still hands over a freeable string */
	char *s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	assert_ptr_not_equal(s, buf_empty);
	free(s);
	check(&b);

	buf_adds(&b, "北京协和医院");
	char *p = b.s;
	s = buf_detach(&b, &len);
	assert_ptr_equal(s, p); /* the same memory, handed over */
	assert_int_equal(len, strlen("北京协和医院"));
	assert_string_equal(s, "北京协和医院");
	/* the buffer is empty and reusable, and does not share the handed-over memory */
	check(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_ptr_equal(b.s, buf_empty);
	buf_adds(&b, "next");
	assert_string_equal(s, "北京协和医院");
	assert_string_equal(b.s, "next");
	free(s);
	s = buf_detach(&b, NULL);
	assert_string_equal(s, "next");
	free(s);
	check(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),       cmocka_unit_test(test_add),
		cmocka_unit_test(test_many_small),  cmocka_unit_test(test_addf_growth),
		cmocka_unit_test(test_detach),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
