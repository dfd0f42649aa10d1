/* st-json.c - rows to JSON objects */
#include "store.h"
#include "../lib/text.h"

#include <string.h>

/* How a column's integers become JSON, by the column's name. */
enum col_kind { COL_PLAIN, COL_TIME, COL_BOOL };

static enum col_kind col_kind(const char *name)
{
	size_t n = strlen(name);
	/* Times are UTC seconds in the database and RFC 3339 in JSON. */
	if ((n >= 3 && !strcmp(name + n - 3, "_at")) || (n >= 4 && !strcmp(name + n - 4, "_due")) ||
	    !strcmp(name, "at") || !strcmp(name, "required_by"))
		return COL_TIME;
	if (!strcmp(name, "active") || !strcmp(name, "department_head"))
		return COL_BOOL;
	return COL_PLAIN;
}

static json_t *value(struct db_stmt *st, int i, enum col_kind kind)
{
	enum db_val_type t = db_coltype(st, i);
	if (t == DBV_NULL)
		return json_null();
	if (t == DBV_TEXT)
		return json_string(db_text(st, i));
	int64_t v = db_int(st, i);
	if (kind == COL_TIME) {
		char ts[21];
		time_rfc3339(v, ts);
		return json_string(ts);
	}
	if (kind == COL_BOOL)
		return json_boolean(v);
	return json_integer(v);
}

/* kinds: each column's, or NULL to have them found from the names (conventions) or not */
static json_t *row(struct db_stmt *st, bool conventions, const enum col_kind *kinds)
{
	json_t *o = json_object();
	int n = db_ncols(st);
	for (int i = 0; i < n; i++) {
		const char *name = db_colname(st, i);
		enum col_kind k = kinds ? kinds[i] : conventions ? col_kind(name) : COL_PLAIN;
		json_object_set_new(o, name, value(st, i, k));
	}
	return o;
}

json_t *store_row_json(struct db_stmt *st)
{
	return row(st, true, NULL);
}

json_t *store_row_raw(struct db_stmt *st)
{
	return row(st, false, NULL);
}

json_t *store_rows_json(struct db_stmt *st)
{
	json_t *a = json_array();
	enum col_kind kinds[64]; /* found once for every row (a page of tickets: 50 x 25) */
	bool found = false;
	while (db_step(st) == DB_ROW) {
		int n = db_ncols(st);
		if (!found && n <= (int)ARRAY_SIZE(kinds)) {
			for (int i = 0; i < n; i++)
				kinds[i] = col_kind(db_colname(st, i));
			found = true;
		}
		json_array_append_new(a, row(st, true, found ? kinds : NULL));
	}
	db_done(st);
	return a;
}
