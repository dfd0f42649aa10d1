/*
 * fuzz-text.c - the pure text helpers (src/lib/text.c, src/core/fields.c) on arbitrary bytes,
 * with round-trip and differential checks.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fields.h"
#include "lib/text.h"

/* An independent, slow UTF-8 decoder to compare utf8_valid() with. */
static bool ref_utf8_valid(const unsigned char *s, size_t n, size_t *chars)
{
	size_t i = 0, c = 0;
	while (i < n) {
		unsigned b = s[i];
		uint32_t cp;
		size_t len;
		if (b <= 0x7F) {
			cp = b, len = 1;
		} else if (b >= 0xC2 && b <= 0xDF) {
			cp = b & 0x1F, len = 2;
		} else if (b >= 0xE0 && b <= 0xEF) {
			cp = b & 0x0F, len = 3;
		} else if (b >= 0xF0 && b <= 0xF4) {
			cp = b & 0x07, len = 4;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
		c++;
	}
	*chars = c;
	return true;
}

static int64_t read_i64(const uint8_t *d, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8 && i < n; i++)
		v |= (uint64_t)d[i] << (8 * i);
	return (int64_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	size_t ref_chars = 0;
	bool raw_ok = utf8_valid((const char *)data, size);
	assert(raw_ok == ref_utf8_valid(data, size, &ref_chars));

	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	size_t len = strlen(s);

	if (utf8_valid(s, len)) {
		size_t n = utf8_chars(s);
		size_t rc;
		assert(ref_utf8_valid((const unsigned char *)s, len, &rc) && rc == n);
		assert(n <= len);
		if (len == size)
			assert(n == ref_chars);
	}

	bool one = text_clean(s, false), multi = text_clean(s, true);
	assert(!one || multi);
	if (one)
		assert(!strpbrk(s, "\n\r\t\x7f"));

	int64_t days = 0;
	if (date_parse(s, &days)) {
		char out[11];
		date_format(days, out);
		assert(!strcmp(out, s));
		assert(days >= -25567 && days <= 2932896); /* 1900-01-01 .. 9999-12-31 */
	}

	int64_t id = 0;
	if (parse_id(s, &id)) {
		char out[32];
		snprintf(out, sizeof(out), "%" PRId64, id);
		assert(!strcmp(out, s));
		assert(id >= 1 && id <= (INT64_C(1) << 53));
	}

	if (field_username_ok(s))
		assert(len >= 2 && len <= 32 && s[0] != '.' && s[0] != '_' && s[0] != '-');
	if (field_code_ok(s))
		assert(len >= 1 && len <= 32 && !strpbrk(s, " ./@"));
	if (field_email_ok(s))
		assert(strchr(s, '@') && !strchr(s, ' '));
	if (field_phone_ok(s))
		assert(len >= 3);
	if (field_password_ok(s))
		assert(len <= PASSWORD_MAX_BYTES && len >= PASSWORD_MIN_CHARS / 4);

	/* time_rfc3339 against gmtime_r, for instants in years 0000..9999 */
	if (size >= 8) {
		int64_t t = read_i64(data, size) % INT64_C(253402300800); /* 10000-01-01 */
		if (t >= INT64_C(-62167219200)) {                           /* 0000-01-01 */
			char got[21], want[32];
			time_t tt = (time_t)t;
			struct tm tm;
			assert(gmtime_r(&tt, &tm));
			snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				 tm.tm_min, tm.tm_sec);
			time_rfc3339(t, got);
			assert(!strcmp(got, want));
			/* and date_format of its day agrees */
			int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
			char d[11];
			date_format(day, d);
			assert(!strncmp(d, want, 10));
		}
	}
	free(s);
	return 0;
}
