/* st-common.c - helpers shared by the store files */
#include "st-common.h"
#include "../lib/buf.h"

#include <stdio.h>

int st_patch(struct db *db, const struct patch_col *cols, size_t n, json_t *fields, int64_t id,
	     int64_t now)
{
	for (size_t i = 0; i < n; i++) {
		if (!json_object_get(fields, cols[i].key))
			continue;
		struct db_val v = cols[i].is_id ? jv_id(fields, cols[i].key)
						: jv_text(fields, cols[i].key);
		int rc = db_exec_v(db, cols[i].sql,
				   (const struct db_val[]){ v, DI(now), DI(id), DB_END });
		if (rc < 0)
			return rc;
	}
	return 0;
}

char *st_like_pattern(const char *s)
{
	struct buf b = BUF_INIT;
	buf_addc(&b, '%');
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_addc(&b, '\\');
		buf_addc(&b, *s);
	}
	buf_addc(&b, '%');
	return buf_detach(&b, NULL);
}

void st_attach_ids(struct db *db, json_t *objs, const char *member, const char *one_sql,
		   const char *all_sql)
{
	json_t *by_id = json_object();
	size_t i;
	json_t *o;
	json_array_foreach(objs, i, o) {
		char key[24];
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(o, "id")));
		json_t *ids = json_array();
		json_object_set_new(o, member, ids);
		json_object_set(by_id, key, ids);
	}
	/* One object: only its rows; several: every row, once, rather than a query each. */
	struct db_stmt *st = json_array_size(objs) == 1
		? db_query_v(db, one_sql, (const struct db_val[]){
			DI(json_integer_value(json_object_get(json_array_get(objs, 0), "id"))), DB_END })
		: db_query_v(db, all_sql, (const struct db_val[]){ DB_END });
	while (db_step(st) == DB_ROW) {
		char key[24];
		snprintf(key, sizeof(key), "%lld", (long long)db_int(st, 0));
		json_t *ids = json_object_get(by_id, key);
		if (ids)
			json_array_append_new(ids, json_integer(db_int(st, 1)));
	}
	db_done(st);
	json_decref(by_id);
}
