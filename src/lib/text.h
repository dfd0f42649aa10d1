/* text.h - UTF-8, calendar dates and timestamps: pure helpers with no I/O */
#ifndef KF_TEXT_H
#define KF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const char *s, size_t n);

/* Number of code points in valid UTF-8 s; what "a name of at most 100 characters" counts. */
size_t utf8_chars(const char *s);

/*
 * True when s has no control characters (C0 and DEL); multiline allows '\n', '\r' and '\t'.
 * NUL cannot appear in a C string: the JSON layer refuses "\u0000" before we get here.
 */
bool text_clean(const char *s, bool multiline);

/* Days since 1970-01-01 of a proleptic Gregorian date; negative before. */
int64_t days_from_civil(int y, int m, int d);
void civil_from_days(int64_t z, int *y, int *m, int *d);

/*
 * Parse exactly "YYYY-MM-DD" (a real calendar date, year 1900..9999) into days since the
 * epoch. Returns false for anything else, including 2026-02-30.
 */
bool date_parse(const char *s, int64_t *days);
/* Format days as "YYYY-MM-DD" into out (at least 11 bytes). */
void date_format(int64_t days, char out[11]);

/* Format UTC seconds as RFC 3339 "2026-11-28T06:04:24Z" into out (at least 21 bytes). */
void time_rfc3339(int64_t t, char out[21]);

/*
 * Parse an RFC 3339 time, "2026-12-01T10:00:00Z" or with an offset "…T18:00:00+08:00",
 * optional fraction of a second (dropped), into UTC seconds. false on anything else.
 */
bool time_parse_rfc3339(const char *s, int64_t *t);

/* Parse a decimal id (1..2^53) from the whole of s; false on anything else. */
bool parse_id(const char *s, int64_t *id);

#endif
