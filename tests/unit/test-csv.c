/* test-csv.c - CSV fields as a spreadsheet reads them back (src/lib/csv.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/csv.h"

/* One row of the given text fields, as written. */
static void row_is(const char *const *fields, size_t n, const char *want)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		csv_text(&b, fields[i], i == 0);
	csv_end_row(&b);
	assert_string_equal(b.s, want);
	buf_release(&b);
}

static void test_plain(void **state)
{
	(void)state;
	const char *f[] = { "BJ-2026-001", "朝阳实验小学新建教学楼工程", "" };
	row_is(f, 3, "BJ-2026-001,朝阳实验小学新建教学楼工程,\r\n");
	const char *null_field[] = { NULL, "x" };
	row_is(null_field, 2, ",x\r\n");
}

static void test_quoting(void **state)
{
	(void)state;
	const char *f[] = { "a,b", "say \"hi\"", "two\nlines", "cr\rhere" };
	row_is(f, 4, "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"\r\n");
}

/* Text a spreadsheet would evaluate is written as text: a leading apostrophe, quoted. */
static void test_formula(void **state)
{
	(void)state;
	const char *f[] = { "=1+1", "+86", "-2", "@SUM(A1)", "\tx", "a=b" };
	row_is(f, 6, "\"'=1+1\",\"'+86\",\"'-2\",\"'@SUM(A1)\",\"'\tx\",a=b\r\n");
	const char *q[] = { "=HYPERLINK(\"http://x\",\"y\")" };
	row_is(q, 1, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n");
}

/* Fields the program writes (numbers) go out as they are, negative numbers included. */
static void test_raw(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	csv_raw(&b, "90.6", true);
	csv_raw(&b, "-3.0", false);
	csv_raw(&b, "", false);
	csv_end_row(&b);
	assert_string_equal(b.s, "90.6,-3.0,\r\n");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_formula),
		cmocka_unit_test(test_raw),
	};
	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
