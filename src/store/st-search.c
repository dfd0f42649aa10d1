/* st-search.c - the search index: keeping documents current and matching queries */
#include "st-search.h"
#include "st-common.h"
#include "../lib/buf.h"
#include "../lib/text.h"

#include <stdlib.h>
#include <string.h>

enum search_mode st_search_mode(struct db *db, const char *q, char **arg)
{
	if (db_engine(db) == DB_POSTGRES) {
		*arg = st_like_pattern(q);
		return SEARCH_TRGM;
	}
	if (utf8_chars(q) < 3) {
		*arg = xstrdup(q);
		return SEARCH_SCAN;
	}
	*arg = st_fts_phrase(NULL, q);
	return SEARCH_FTS;
}

char *st_fts_phrase(const char *column, const char *s)
{
	/* One FTS5 phrase: the words in order, quotes doubled, no query syntax. */
	struct buf b = BUF_INIT;
	if (column)
		buf_addf(&b, "%s : ", column);
	buf_addc(&b, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_addc(&b, '"');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '"');
	return buf_detach(&b, NULL);
}

/* The code point at *p (valid UTF-8, as every stored text is), advancing *p past it. */
static uint32_t next_cp(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (n > 1)
		c &= 0x3F >> (n - 1);
	for (int i = 1; i < n && s[i]; i++)
		c = (c << 6) | (s[i] & 0x3F);
	for (int i = 0; i < n && **p; i++)
		(*p)++;
	return c;
}

static bool cjk(uint32_t c)
{
	return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0x20000 && c <= 0x3FFFF);
}

/*
 * The CJK ideographs: word characters to FTS5's unicode61 tokenizer (whose tables follow
 * Unicode 6.1: ideographs assigned since then are separators to it, which only makes a search
 * for them find more), unlike the CJK punctuation and symbols that cjk() also covers.
 */
static bool ideograph(uint32_t c)
{
	return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF);
}

bool st_ideographs_only(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	if (!*p)
		return false;
	while (*p)
		if (!ideograph(next_cp(&p)))
			return false;
	return true;
}

char *st_scoped_words(const char *key, const char *s)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *prev = NULL; /* the ideograph before p in this run, if any */
	while (*p) {
		const unsigned char *start = p;
		if (!ideograph(next_cp(&p))) {
			if (prev) /* the run's last ideograph, a word of its own */
				buf_addf(&b, "%s%s%.*s", b.len ? " " : "", key, (int)(start - prev),
					 (const char *)prev);
			prev = NULL;
			continue;
		}
		if (prev) /* two ideographs in a row */
			buf_addf(&b, "%s%s%.*s", b.len ? " " : "", key, (int)(p - prev),
				 (const char *)prev);
		prev = start;
	}
	if (prev)
		buf_addf(&b, "%s%s%s", b.len ? " " : "", key, (const char *)prev);
	return buf_detach(&b, NULL);
}

/*
 * The query of q among one project's words (key): its pairs, then its last ideograph alone, as
 * st_scoped_words() gives them (the key holds no space). One ideograph: the words that begin
 * with it.
 */
static void scoped_query(struct buf *b, const char *key, const char *q, bool tsquery)
{
	char *words = st_scoped_words(key, q);
	char *last = strrchr(words, ' ');
	if (!last)
		buf_addf(b, tsquery ? "%s:*" : "\"%s\" *", words);
	else if (!tsquery)
		buf_addf(b, "\"%.*s\"", (int)(last - words), words);
	else if (!memchr(words, ' ', (size_t)(last - words))) /* one pair */
		buf_addf(b, "%.*s", (int)(last - words), words);
	else {
		buf_addc(b, '(');
		for (char *w = words, *sp; w < last; w = sp + 1) {
			sp = strchr(w, ' ');
			buf_addf(b, "%s%.*s", w == words ? "" : " & ", (int)(sp - w), w);
		}
		buf_addc(b, ')');
	}
	free(words);
}

void st_scoped_phrase(struct buf *b, const char *key, const char *q)
{
	scoped_query(b, key, q, false);
}

void st_scoped_tsquery(struct buf *b, const char *key, const char *q)
{
	scoped_query(b, key, q, true);
}

bool st_has_cjk(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p)
		if (cjk(next_cp(&p)))
			return true;
	return false;
}

static char *grams(const char *s, bool cjk_only)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		const unsigned char *start = p;
		bool wide = cjk(next_cp(&p));
		if (wide)
			buf_addc(&b, ' ');
		if (wide || !cjk_only)
			buf_add(&b, start, (size_t)(p - start));
		if (wide)
			buf_addc(&b, ' ');
	}
	return buf_detach(&b, NULL);
}

char *st_unigrams(const char *s)
{
	return grams(s, false);
}

char *st_cjk_grams(const char *s)
{
	return grams(s, true);
}

int store_search_index_projects(struct db *db, int64_t project_id, int64_t customer_id)
{
	int rc = db_exec(db,
			 "INSERT INTO search_docs (kind, entity_id, body)"
			 " SELECT 'project', p.id, p.code || ' ' || p.name || ' ' || c.name"
			 " FROM projects p JOIN customers c ON c.id = p.customer_id"
			 " WHERE p.id = ? OR p.customer_id = ?"
			 " ON CONFLICT (kind, entity_id) DO UPDATE SET body = excluded.body",
			 DI(project_id), DI(customer_id));
	return rc < 0 ? rc : 0;
}
