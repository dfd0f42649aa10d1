/* test-text.c - UTF-8 validation, calendar arithmetic, timestamps and ids (src/lib/text.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/text.h"

static bool valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static void test_utf8_valid_ascii_and_chinese(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(valid("hello, world"));
	assert_true(valid("北京市朝阳区教育委员会"));
	assert_true(valid("顾客服务工作程序 5.2.3g"));
	/* 2-, 3- and 4-byte sequences at the edges of their ranges */
	assert_true(valid("\xC2\x80"));         /* U+0080 */
	assert_true(valid("\xDF\xBF"));         /* U+07FF */
	assert_true(valid("\xE0\xA0\x80"));     /* U+0800 */
	assert_true(valid("\xED\x9F\xBF"));     /* U+D7FF, just below the surrogates */
	assert_true(valid("\xEE\x80\x80"));     /* U+E000, just above */
	assert_true(valid("\xEF\xBF\xBF"));     /* U+FFFF */
	assert_true(valid("\xF0\x90\x80\x80")); /* U+10000 */
	assert_true(valid("\xF0\x9F\x98\x80")); /* U+1F600 emoji */
	assert_true(valid("\xF4\x8F\xBF\xBF")); /* U+10FFFF, the last code point */
	/* NUL bytes are valid UTF-8 when the length says so */
	assert_true(utf8_valid("a\0b", 3));
}

static void test_utf8_valid_overlongs(void **state)
{
	(void)state;
	assert_false(valid("\xC0\x80"));         /* overlong NUL */
	assert_false(valid("\xC0\xAF"));         /* overlong '/' */
	assert_false(valid("\xC1\xBF"));         /* overlong U+007F */
	assert_false(valid("\xE0\x80\x80"));     /* overlong 3-byte NUL */
	assert_false(valid("\xE0\x9F\xBF"));     /* overlong U+07FF */
	assert_false(valid("\xF0\x80\x80\x80")); /* overlong 4-byte NUL */
	assert_false(valid("\xF0\x8F\xBF\xBF")); /* overlong U+FFFF */
}

static void test_utf8_valid_surrogates_and_range(void **state)
{
	(void)state;
	assert_false(valid("\xED\xA0\x80")); /* U+D800 */
	assert_false(valid("\xED\xAD\xBF")); /* U+DB7F */
	assert_false(valid("\xED\xB0\x80")); /* U+DC00 */
	assert_false(valid("\xED\xBF\xBF")); /* U+DFFF */
	/* CESU-8 style surrogate pair for U+1F600 */
	assert_false(valid("\xED\xA0\xBD\xED\xB8\x80"));
	assert_false(valid("\xF4\x90\x80\x80")); /* U+110000 */
	assert_false(valid("\xF5\x80\x80\x80"));
	assert_false(valid("\xF7\xBF\xBF\xBF"));
	assert_false(valid("\xF8\x88\x80\x80\x80")); /* old 5-byte form */
	assert_false(valid("\xFC\x84\x80\x80\x80\x80"));
	assert_false(valid("\xFE"));
	assert_false(valid("\xFF"));
}

static void test_utf8_valid_truncated_and_stray(void **state)
{
	(void)state;
	const char *zh = "中"; /* E4 B8 AD */
	assert_true(utf8_valid(zh, 3));
	assert_false(utf8_valid(zh, 2));
	assert_false(utf8_valid(zh, 1));
	assert_false(valid("\xC3"));
	assert_false(valid("abc\xE4\xB8"));
	assert_false(valid("\xF0\x9F\x98"));
	/* continuation bytes without a lead byte */
	assert_false(valid("\x80"));
	assert_false(valid("a\xBF" "b"));
	/* lead byte followed by a non-continuation */
	assert_false(valid("\xE4\x41\xAD"));
	assert_false(valid("\xC3(")); /* 0xC3 0x28 */
	/* a multi-byte sequence cut by the length, not the string */
	assert_false(utf8_valid("ab\xF0\x9F\x98\x80", 5));
	assert_true(utf8_valid("ab\xF0\x9F\x98\x80", 6));
}

static void test_utf8_chars(void **state)
{
	(void)state;
	assert_int_equal(utf8_chars(""), 0);
	assert_int_equal(utf8_chars("abc"), 3);
	assert_int_equal(utf8_chars("中文"), 2);
	assert_int_equal(strlen("中文"), 6);
	assert_int_equal(utf8_chars("北京市朝阳区教育委员会"), 11);
	assert_int_equal(utf8_chars("A座 3层"), 5);
	assert_int_equal(utf8_chars("\xF0\x9F\x98\x80"), 1);
	assert_int_equal(utf8_chars("é"), 1);
}

static void test_text_clean(void **state)
{
	(void)state;
	assert_true(text_clean("", false));
	assert_true(text_clean("朝阳实验小学 新建教学楼", false));
	assert_true(text_clean("~!@#$%^&*()", false));
	/* newline, CR and tab only in multiline text */
	assert_false(text_clean("line 1\nline 2", false));
	assert_true(text_clean("line 1\nline 2", true));
	assert_false(text_clean("a\rb", false));
	assert_true(text_clean("a\r\nb", true));
	assert_false(text_clean("a\tb", false));
	assert_true(text_clean("a\tb", true));
	/* other C0 controls and DEL never */
	for (int c = 1; c < 0x20; c++) {
		char s[4] = { 'x', (char)c, 'y', 0 };
		assert_false(text_clean(s, false));
		if (c != '\n' && c != '\r' && c != '\t')
			assert_false(text_clean(s, true));
	}
	assert_false(text_clean("a\x7F", false));
	assert_false(text_clean("a\x7F", true));
	assert_false(text_clean("\x1B[31mred", true));
	/* bytes >= 0x80 (UTF-8) are not control characters here */
	assert_true(text_clean("\xC2\xA0", false));
}

static int64_t parse_ok(const char *s)
{
	int64_t d = -999999;
	assert_true(date_parse(s, &d));
	return d;
}

static void parse_no(const char *s)
{
	int64_t d = 4242;
	assert_false(date_parse(s, &d));
	assert_int_equal(d, 4242); /* untouched on failure */
}

static void test_date_parse(void **state)
{
	(void)state;
	/* expected values from `date -u -d DATE +%s` / 86400 */
	assert_int_equal(parse_ok("1970-01-01"), 0);
	assert_int_equal(parse_ok("2026-02-28"), 20512);
	assert_int_equal(parse_ok("2024-02-29"), 19782);
	assert_int_equal(parse_ok("1900-01-01"), -25567);
	assert_int_equal(parse_ok("9999-12-31"), 2932896);
	assert_int_equal(parse_ok("2000-02-29"), parse_ok("2000-03-01") - 1); /* 400-year leap */
	assert_int_equal(parse_ok("2026-12-31") + 1, parse_ok("2027-01-01"));
	parse_no("2026-02-29"); /* not a leap year */
	parse_no("1900-02-29"); /* century, not a leap year */
	parse_no("2100-02-29");
	parse_no("2026-02-30");
	parse_no("2026-04-31");
	parse_no("2026-13-01");
	parse_no("2026-00-10");
	parse_no("2026-01-00");
	parse_no("2026-01-32");
	parse_no("2026-1-01");
	parse_no("2026-01-1");
	parse_no("26-01-01");
	parse_no("2026-01-01 ");
	parse_no("2026-01-01x");
	parse_no("2026-01-01T00:00:00Z");
	parse_no(" 2026-01-01");
	parse_no("1899-12-31");
	parse_no("0000-01-01");
	parse_no("2026/01/01");
	parse_no("2026-01+01");
	parse_no("+026-01-01");
	parse_no("2026--1-01");
	parse_no("２０２６-01-01"); /* full-width digits */
	parse_no("");
}

static void test_date_format_round_trip(void **state)
{
	(void)state;
	char out[11];
	date_format(0, out);
	assert_string_equal(out, "1970-01-01");
	date_format(20512, out);
	assert_string_equal(out, "2026-02-28");
	date_format(-25567, out);
	assert_string_equal(out, "1900-01-01");
	/* every day from 1900-01-01 to 9999-12-31 */
	int64_t first = parse_ok("1900-01-01"), last = parse_ok("9999-12-31");
	int64_t prev = first - 1;
	for (int64_t d = first; d <= last; d++) {
		int64_t back = -1;
		date_format(d, out);
		assert_int_equal(strlen(out), 10);
		if (!date_parse(out, &back))
			fail_msg("date_parse refused date_format(%lld) = %s", (long long)d, out);
		if (back != d)
			fail_msg("%lld -> %s -> %lld", (long long)d, out, (long long)back);
		assert_true(back == prev + 1);
		prev = back;
	}
}

static void test_civil_round_trip(void **state)
{
	(void)state;
	int y, m, d;
	civil_from_days(0, &y, &m, &d);
	assert_int_equal(y, 1970);
	assert_int_equal(m, 1);
	assert_int_equal(d, 1);
	civil_from_days(-1, &y, &m, &d);
	assert_int_equal(y, 1969);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
	assert_int_equal(days_from_civil(2026, 2, 28), 20512);
	assert_int_equal(days_from_civil(1600, 3, 1) - days_from_civil(1600, 2, 28), 2);
	/* days -> civil -> days over about +-10000 years, and the calendar moves by one day */
	int py = 0, pm = 0, pd = 0;
	for (int64_t z = -4000000; z <= 4000000; z++) {
		civil_from_days(z, &y, &m, &d);
		if (days_from_civil(y, m, d) != z)
			fail_msg("%lld -> %d-%d-%d -> %lld", (long long)z, y, m, d,
				 (long long)days_from_civil(y, m, d));
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		if (z > -4000000) {
			bool next_day = y == py && m == pm && d == pd + 1;
			bool next_month = y == py && m == pm + 1 && d == 1;
			bool next_year = y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31;
			assert_true(next_day || next_month || next_year);
		}
		py = y, pm = m, pd = d;
	}
}

static void test_time_rfc3339(void **state)
{
	(void)state;
	char out[21];
	time_rfc3339(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	/* expected values from `date -u -d @T +%FT%TZ` */
	time_rfc3339(1780000000, out);
	assert_string_equal(out, "2026-05-28T20:26:40Z");
	time_rfc3339(1795932264, out);
	assert_string_equal(out, "2026-11-29T06:04:24Z");
	time_rfc3339(1767225599, out);
	assert_string_equal(out, "2025-12-31T23:59:59Z");
	time_rfc3339(1767225600, out);
	assert_string_equal(out, "2026-01-01T00:00:00Z");
	time_rfc3339(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	time_rfc3339(-86400, out);
	assert_string_equal(out, "1969-12-31T00:00:00Z");
}

static void test_parse_id(void **state)
{
	(void)state;
	int64_t id = 77;
	assert_true(parse_id("1", &id));
	assert_int_equal(id, 1);
	assert_true(parse_id("42", &id));
	assert_int_equal(id, 42);
	assert_true(parse_id("9007199254740992", &id)); /* 2^53 */
	assert_true(id == INT64_C(9007199254740992));
	id = 77;
	assert_false(parse_id("0", &id));
	assert_false(parse_id("00", &id));
	assert_false(parse_id("01", &id));
	assert_false(parse_id("007", &id));
	assert_false(parse_id("9007199254740993", &id)); /* 2^53 + 1 */
	assert_false(parse_id("99999999999999999999999999", &id));
	assert_false(parse_id("", &id));
	assert_false(parse_id("-1", &id));
	assert_false(parse_id("+1", &id));
	assert_false(parse_id("1a", &id));
	assert_false(parse_id("a1", &id));
	assert_false(parse_id("1 ", &id));
	assert_false(parse_id(" 1", &id));
	assert_false(parse_id("1.0", &id));
	assert_false(parse_id("1e3", &id));
	assert_false(parse_id("0x10", &id));
	assert_false(parse_id("１", &id)); /* full-width digit */
	assert_int_equal(id, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid_ascii_and_chinese),
		cmocka_unit_test(test_utf8_valid_overlongs),
		cmocka_unit_test(test_utf8_valid_surrogates_and_range),
		cmocka_unit_test(test_utf8_valid_truncated_and_stray),
		cmocka_unit_test(test_utf8_chars),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_format_round_trip),
		cmocka_unit_test(test_civil_round_trip),
		cmocka_unit_test(test_time_rfc3339),
		cmocka_unit_test(test_parse_id),
	};
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
