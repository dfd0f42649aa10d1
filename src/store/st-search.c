/* st-search.c - the search index: keeping documents current and matching queries */
#include "st-search.h"
#include "st-common.h"
#include "../lib/buf.h"
#include "../lib/text.h"

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
	/* One FTS5 phrase: the words in order, quotes doubled, no query syntax. */
	struct buf b = BUF_INIT;
	buf_addc(&b, '"');
	for (const char *p = q; *p; p++) {
		if (*p == '"')
			buf_addc(&b, '"');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '"');
	*arg = buf_detach(&b, NULL);
	return SEARCH_FTS;
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
