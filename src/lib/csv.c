/* csv.c - writing RFC 4180 CSV that spreadsheets open safely */
#include "csv.h"

#include <string.h>

void csv_text(struct buf *b, const char *s, bool first)
{
	if (!first)
		buf_addc(b, ',');
	if (!s)
		return;
	bool formula = s[0] && strchr("=+-@\t\r", s[0]);
	bool quote = formula || strpbrk(s, ",\"\r\n");
	if (quote)
		buf_addc(b, '"');
	if (formula)
		buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	if (quote)
		buf_addc(b, '"');
}

void csv_raw(struct buf *b, const char *s, bool first)
{
	if (!first)
		buf_addc(b, ',');
	buf_adds(b, s);
}

void csv_end_row(struct buf *b)
{
	buf_adds(b, "\r\n");
}
