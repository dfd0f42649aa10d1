/* test-media.c - what an upload is, by its first bytes; which file names are acceptable */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/media.h"

static const char *sniff(const char *bytes, size_t n)
{
	return media_sniff((const uint8_t *)bytes, n);
}

static void test_sniff(void **state)
{
	(void)state;
	assert_string_equal(sniff("\xFF\xD8\xFF\xE0\0\x10JFIF", 10), "image/jpeg");
	assert_string_equal(sniff("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16), "image/png");
	assert_string_equal(sniff("RIFF\x24\0\0\0WEBPVP8 ", 16), "image/webp");
	assert_string_equal(sniff("RIFF\x24\0\0\0WEBPVP8L", 16), "image/webp");
	assert_string_equal(sniff("%PDF-1.7\n", 9), "application/pdf");
	/* names, declared types and near misses do not count */
	assert_null(sniff("", 0));
	assert_null(sniff("\xFF\xD8", 2));                        /* cut short */
	assert_null(sniff("\x89PNG\r\n\x1A", 7));
	assert_null(sniff("RIFF\x24\0\0\0WAVEfmt ", 16));         /* RIFF, not WebP */
	assert_null(sniff("RIFF\x24\0\0\0WEBPVP9 ", 16));
	assert_null(sniff("GIF89a", 6));
	assert_null(sniff("<svg xmlns=", 11));
	assert_null(sniff("<html><script>", 14));
	assert_null(sniff(" %PDF-1.7", 9));                       /* not at the start */
	assert_null(sniff("PK\x03\x04", 4));                      /* a .docx or .zip */
}

static void test_names(void **state)
{
	(void)state;
	assert_true(media_name_ok("现场照片 1.jpg"));
	assert_true(media_name_ok("a"));
	assert_true(media_name_ok("..hidden"));
	char longest[256];
	memset(longest, 'x', 255);
	longest[255] = '\0';
	assert_true(media_name_ok(longest));
	char too_long[257];
	memset(too_long, 'x', 256);
	too_long[256] = '\0';
	assert_false(media_name_ok(too_long));
	assert_false(media_name_ok(""));
	assert_false(media_name_ok(NULL));
	assert_false(media_name_ok("."));
	assert_false(media_name_ok(".."));
	assert_false(media_name_ok("../etc/passwd"));
	assert_false(media_name_ok("a\\\\b.png"));
	assert_false(media_name_ok("a\r\nX-Evil: 1"));
	assert_false(media_name_ok("\xC3\x28.png")); /* not UTF-8 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("media", tests, NULL, NULL);
}
