/* csv.h - writing RFC 4180 CSV that spreadsheets open safely */
#ifndef KF_CSV_H
#define KF_CSV_H

#include <stdbool.h>

#include "buf.h"

/*
 * Append one text field to the row being written in b, after a comma unless first. The
 * field is quoted when it holds a comma, quote, CR or LF (quotes doubled); text a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading '.
 */
void csv_text(struct buf *b, const char *s, bool first);
/* Append a field written by the program (a number, a fixed word): never quoted. */
void csv_raw(struct buf *b, const char *s, bool first);
/* End the row (CRLF, as RFC 4180 says). */
void csv_end_row(struct buf *b);

#endif
