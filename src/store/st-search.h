/* st-search.h - full-text search over search_docs: one interface, one way per engine */
#ifndef KF_ST_SEARCH_H
#define KF_ST_SEARCH_H

#include "store.h"

/*
 * A query string becomes one of three subqueries, each returning the entity_id of the
 * matching records of one kind, with two arguments: the prepared query text, then the kind.
 * Callers splice these into static SQL (so the statement cache serves them) and pick the
 * variant with st_search_mode().
 */
#define SEARCH_SQL_FTS                                                                      \
	"SELECT d.entity_id FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid"  \
	" WHERE search_fts MATCH ? AND d.kind = ?"
#define SEARCH_SQL_SCAN                                                                     \
	"SELECT entity_id FROM search_docs WHERE instr(lower(body), lower(?)) > 0 AND kind = ?"
#define SEARCH_SQL_TRGM "SELECT entity_id FROM search_docs WHERE body ILIKE ? AND kind = ?"

enum search_mode {
	SEARCH_FTS,  /* SQLite, three characters or more: the trigram FTS5 index */
	SEARCH_SCAN, /* SQLite, one or two characters: a scan with instr() */
	SEARCH_TRGM, /* PostgreSQL: ILIKE served by the pg_trgm GIN index */
};

/* The variant for q on db's engine; *arg receives the argument to bind (free() it). */
enum search_mode st_search_mode(struct db *db, const char *q, char **arg);

/*
 * s with every CJK character made a word of its own (" 防 水 "), for SQLite's unicode61
 * index of ticket_docs.grams; malloc'd.
 */
char *st_unigrams(const char *s);
/* Only the CJK characters of s, each a word of its own (PostgreSQL's plainto_tsquery). */
char *st_cjk_grams(const char *s);
/* Whether s holds a CJK character (which the unigram index can find). */
bool st_has_cjk(const char *s);
/*
 * The search words of s within one project (SQLite's ticket_scoped, 010-scoped-words.sql;
 * PostgreSQL's kefu_scoped_words() writes the same):
 * every two CJK ideographs in a row, and the last of each run of them alone, each behind the
 * project's key (project_key), space-separated: "K卫生 K生间 K间" for "卫生间"; malloc'd.
 */
char *st_scoped_words(const char *key, const char *s);
/* Whether s is one or more CJK ideographs and nothing else (what st_scoped_phrase() takes). */
bool st_ideographs_only(const char *s);
/*
 * Adds to b the FTS5 query of q (st_ideographs_only()) among the words of the project whose
 * key is key: the phrase of its pairs ("K卫生 K生间"), or for one ideograph the words that begin
 * with it ("K水" *).
 */
struct buf;
void st_scoped_phrase(struct buf *b, const char *key, const char *q);
/*
 * The same as a PostgreSQL tsquery among the words whose key word is key: a project's
 * (postgres/010-scoped-words.sql: kfp1) or a project's range of ids'
 * (012-scoped-words-by-range.sql: kfp1x15 for project 1's ids 983,040 to 1,048,575).
 * "(kfp1x15卫生 & kfp1x15生间)" (the pairs, anywhere in the document: the substring itself is
 * to be checked), "kfp1x15防水", or "kfp1x15水:*" for one ideograph.
 */
void st_scoped_tsquery(struct buf *b, const char *key, const char *q);
/* The FTS5 phrase of s: in double quotes, quotes doubled, after "column : " if given. */
char *st_fts_phrase(const char *column, const char *s);

#endif
