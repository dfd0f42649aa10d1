/* st-common.h - small helpers shared by the store files */
#ifndef KF_ST_COMMON_H
#define KF_ST_COMMON_H

#include "store.h"

/* A string member of obj as a db argument: absent or null binds NULL. */
static inline struct db_val jv_text(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? DT(json_string_value(v)) : DB_NULL;
}

/* An id member of obj as a db argument: absent, null or 0 binds NULL. */
static inline struct db_val jv_id(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_integer(v) && json_integer_value(v) ? DI(json_integer_value(v)) : DB_NULL;
}

/* One UPDATE per patchable member: a static statement whose args are (value, now, id). */
struct patch_col {
	const char *key;
	bool is_id;
	const char *sql;
};

/* Run the statements of the members present in fields. */
int st_patch(struct db *db, const struct patch_col *cols, size_t n, json_t *fields, int64_t id,
	     int64_t now);

/* "%" + s with % _ \ escaped + "%", for LIKE ... ESCAPE '\'; free() the result. */
char *st_like_pattern(const char *s);

/*
 * Give each object of objs (an array of rows with "id") an array member of related ids.
 * one_sql takes the id of a single object, all_sql none; both return (object id, related
 * id) rows ordered by related id.
 */
void st_attach_ids(struct db *db, json_t *objs, const char *member, const char *one_sql,
		   const char *all_sql);

/*
 * PROCEDURE §1 on a projects table aliased p, as SQL, with its five arguments (scope, scope,
 * user id, scope, customer id): everything, member projects, or the customer's projects.
 */
#define PROJECT_VISIBLE                                                                     \
	"(? = 0 OR (? = 1 AND EXISTS (SELECT 1 FROM project_members m"                      \
	" WHERE m.project_id = p.id AND m.user_id = ?)) OR (? = 2 AND p.customer_id = ?))"
#define VISIBLE_ARGS(w)                                                                     \
	DI(role_scope((w)->role)), DI(role_scope((w)->role)), DI((w)->user_id),             \
		DI(role_scope((w)->role)), DI((w)->customer_id)

#endif
