/* media.h - what an uploaded file is, by its content (never by its name or declared type) */
#ifndef KF_MEDIA_H
#define KF_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The media type of the n bytes at p when they are a JPEG, PNG, WebP or PDF file ("image/jpeg",
 * "image/png", "image/webp", "application/pdf"), else NULL. Only the signatures are read.
 */
const char *media_sniff(const uint8_t *p, size_t n);

/*
 * Whether s is acceptable as an attachment's file name: 1..255 bytes of valid UTF-8, no
 * control characters, no path separators, not "." or "..".
 */
bool media_name_ok(const char *s);

#endif
