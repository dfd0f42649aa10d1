/* st-forms.c - score sheet versions */
#include "store.h"

#include <stdlib.h>

int store_form_insert(struct db *db, const char *phase, const char *record, const char *title,
		      const char *title_en, json_t *items, int64_t user_id, int64_t now,
		      int64_t *id)
{
	char *text = json_dumps(items, JSON_COMPACT);
	int rc = db_get_int(db, id,
			    "INSERT INTO form_versions (phase, version, record, title, title_en,"
			    " items, user_id, created_at)"
			    " SELECT ?, coalesce(max(version), 0) + 1, ?, ?, ?, ?, ?, ?"
			    " FROM form_versions WHERE phase = ? RETURNING id",
			    DT(phase), DT(record), DT(title), DT(title_en), DT(text), DID(user_id),
			    DI(now), DT(phase));
	free(text);
	return rc;
}

/* A row as the API shows it: items parsed back into JSON. */
static json_t *form_json(struct db_stmt *st)
{
	json_t *o = store_row_json(st);
	json_t *items = json_loads(json_string_value(json_object_get(o, "items")), 0, NULL);
	json_object_set_new(o, "items", items ? items : json_array());
	return o;
}

json_t *store_forms_latest(struct db *db)
{
	struct db_stmt *st = db_query(
		db, "SELECT f.id, f.phase AS key, f.record, f.title, f.title_en, f.version, f.items,"
		    " f.user_id, f.created_at FROM form_versions f"
		    " WHERE f.version = (SELECT max(g.version) FROM form_versions g"
		    " WHERE g.phase = f.phase)"
		    " ORDER BY CASE f.phase WHEN 'pre' THEN 1 WHEN 'process' THEN 2 ELSE 3 END");
	json_t *a = json_array();
	while (db_step(st) == DB_ROW)
		json_array_append_new(a, form_json(st));
	db_done(st);
	return a;
}

json_t *store_form_get(struct db *db, int64_t id)
{
	struct db_stmt *st = db_query(db, "SELECT f.id, f.phase AS key, f.record, f.title,"
					  " f.title_en, f.version, f.items, f.user_id, f.created_at"
					  " FROM form_versions f WHERE f.id = ?",
				      DI(id));
	json_t *o = db_step(st) == DB_ROW ? form_json(st) : NULL;
	db_done(st);
	return o;
}

json_t *store_form_versions(struct db *db, const char *phase)
{
	struct db_stmt *st = db_query(db, "SELECT f.id, f.phase AS key, f.record, f.title,"
					  " f.title_en, f.version, f.items, f.user_id, f.created_at"
					  " FROM form_versions f WHERE f.phase = ? ORDER BY f.version",
				      DT(phase));
	json_t *a = json_array();
	while (db_step(st) == DB_ROW)
		json_array_append_new(a, form_json(st));
	db_done(st);
	return a;
}

bool store_forms_present(struct db *db, const char *phase)
{
	int64_t n = 0;
	return db_get_int(db, &n, "SELECT count(*) FROM form_versions WHERE phase = ?", DT(phase)) ==
		       0 &&
	       n > 0;
}
