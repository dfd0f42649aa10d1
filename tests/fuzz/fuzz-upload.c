/*
 * fuzz-upload.c - what an upload brings from outside: the file's bytes (media_sniff), its
 * name (media_name_ok) and times such as required_by (time_parse_rfc3339), on arbitrary bytes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/media.h"
#include "lib/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *type = media_sniff(data, size);
	if (type)
		assert(!strcmp(type, "image/jpeg") || !strcmp(type, "image/png") ||
		       !strcmp(type, "image/webp") || !strcmp(type, "application/pdf"));

	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (media_name_ok(s)) {
		assert(strlen(s) >= 1 && strlen(s) <= 255);
		assert(!strchr(s, '/') && !strchr(s, '\\'));
		assert(utf8_valid(s, strlen(s)));
	}
	int64_t t;
	if (time_parse_rfc3339(s, &t)) {
		/* a parsed time formats back to a time that parses to itself */
		char out[21];
		time_rfc3339(t, out);
		int64_t again;
		assert(time_parse_rfc3339(out, &again) && again == t);
	}
	free(s);
	return 0;
}
