/* st-json.c - rows to JSON objects */
#include "store.h"
#include "../lib/text.h"

#include <string.h>

static json_t *value(struct db_stmt *st, int i, bool conventions)
{
	enum db_val_type t = db_coltype(st, i);
	if (t == DBV_NULL)
		return json_null();
	if (t == DBV_TEXT)
		return json_string(db_text(st, i));
	const char *name = db_colname(st, i);
	size_t n = strlen(name);
	int64_t v = db_int(st, i);
	/* Times are UTC seconds in the database and RFC 3339 in JSON. */
	bool is_time = (n >= 3 && !strcmp(name + n - 3, "_at")) ||
		       (n >= 4 && !strcmp(name + n - 4, "_due")) || !strcmp(name, "at") ||
		       !strcmp(name, "required_by");
	if (conventions && is_time) {
		char ts[21];
		time_rfc3339(v, ts);
		return json_string(ts);
	}
	if (conventions && (!strcmp(name, "active") || !strcmp(name, "department_head")))
		return json_boolean(v);
	return json_integer(v);
}

static json_t *row(struct db_stmt *st, bool conventions)
{
	json_t *o = json_object();
	int n = db_ncols(st);
	for (int i = 0; i < n; i++)
		json_object_set_new(o, db_colname(st, i), value(st, i, conventions));
	return o;
}

json_t *store_row_json(struct db_stmt *st)
{
	return row(st, true);
}

json_t *store_row_raw(struct db_stmt *st)
{
	return row(st, false);
}

json_t *store_rows_json(struct db_stmt *st)
{
	json_t *a = json_array();
	while (db_step(st) == DB_ROW)
		json_array_append_new(a, row(st, true));
	db_done(st);
	return a;
}
