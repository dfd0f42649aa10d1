/* media.c - what an uploaded file is, by its content (never by its name or declared type) */
#include "media.h"

#include <string.h>

#include "../lib/text.h"

const char *media_sniff(const uint8_t *p, size_t n)
{
	static const struct {
		size_t at;
		const char *magic;
		size_t len;
		const char *type;
	} sigs[] = {
		{ 0, "\xFF\xD8\xFF", 3, "image/jpeg" },
		{ 0, "\x89PNG\r\n\x1A\n", 8, "image/png" },
		{ 0, "%PDF-", 5, "application/pdf" },
	};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (n >= sigs[i].at + sigs[i].len && !memcmp(p + sigs[i].at, sigs[i].magic, sigs[i].len))
			return sigs[i].type;
	/* RIFF <size> WEBP, then a VP8 / VP8L / VP8X chunk */
	if (n >= 16 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBPVP8", 7) &&
	    (p[15] == ' ' || p[15] == 'L' || p[15] == 'X'))
		return "image/webp";
	return NULL;
}

bool media_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 255 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	if (!utf8_valid(s, n) || !text_clean(s, false))
		return false;
	return !strpbrk(s, "/\\");
}
