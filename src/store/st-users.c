/* st-users.c - users and their project memberships */
#include "st-common.h"

#include <stdio.h>
#include <string.h>

/* whether the user heads their department (P-5.3.3), as 0 or 1 on both engines */
#define HEAD_COL                                                                            \
	"CASE WHEN EXISTS (SELECT 1 FROM department_heads h WHERE h.user_id = users.id)"       \
	" THEN 1 ELSE 0 END AS department_head"
#define USER_COLS "id, username, name, role, customer_id, active, created_at, updated_at, " HEAD_COL

static void attach_projects(struct db *db, json_t *users)
{
	st_attach_ids(db, users, "project_ids",
		      "SELECT user_id, project_id FROM project_members WHERE user_id = ?"
		      " ORDER BY project_id",
		      "SELECT user_id, project_id FROM project_members ORDER BY user_id, project_id");
}

int store_user_insert(struct db *db, const char *username, const char *name, enum role role,
		      int64_t customer_id, const char *pw_hash, int64_t now, int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO users (username, name, role, customer_id, pw_hash, active,"
			  " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
			  DT(username), DT(name), DT(role_key(role)), DID(customer_id), DT(pw_hash),
			  DI(now), DI(now));
}

json_t *store_user_get(struct db *db, int64_t id)
{
	struct db_stmt *st = db_query(db, "SELECT " USER_COLS " FROM users WHERE id = ?", DI(id));
	json_t *users = store_rows_json(st);
	if (json_array_size(users) == 0) {
		json_decref(users);
		return NULL;
	}
	attach_projects(db, users);
	json_t *u = json_incref(json_array_get(users, 0));
	json_decref(users);
	return u;
}

json_t *store_users_list(struct db *db)
{
	json_t *users = store_rows_json(db_query(db, "SELECT " USER_COLS " FROM users ORDER BY id"));
	if (json_array_size(users))
		attach_projects(db, users);
	return users;
}

json_t *store_staff_list(struct db *db, int64_t project_id)
{
	return store_rows_json(db_query(db,
					"SELECT id, name, role, " HEAD_COL " FROM users"
					" WHERE active = 1 AND role NOT IN ('admin', 'customer')"
					" AND (? = 0 OR role <> 'project' OR EXISTS (SELECT 1"
					" FROM project_members m WHERE m.project_id = ?"
					" AND m.user_id = users.id)) ORDER BY role, id",
					DI(project_id), DI(project_id)));
}

static int auth_row(struct db_stmt *st, struct user_auth *out)
{
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->id = db_int(st, 0);
		out->role = role_parse(db_text(st, 1));
		out->customer_id = db_isnull(st, 2) ? 0 : db_int(st, 2);
		out->active = db_int(st, 3) != 0;
		snprintf(out->pw_hash, sizeof(out->pw_hash), "%s", db_text(st, 4));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = KF_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int store_user_auth_by_name(struct db *db, const char *username, struct user_auth *out)
{
	return auth_row(db_query(db, "SELECT id, role, customer_id, active, pw_hash FROM users"
				     " WHERE username = ?",
				 DT(username)),
			out);
}

int store_user_auth_by_id(struct db *db, int64_t id, struct user_auth *out)
{
	return auth_row(db_query(db, "SELECT id, role, customer_id, active, pw_hash FROM users"
				     " WHERE id = ?",
				 DI(id)),
			out);
}

int store_user_set_text(struct db *db, int64_t id, const char *column, const char *value,
			int64_t now)
{
	/* One statement per column keeps every statement static and cached. */
	const char *sql;
	if (!strcmp(column, "name"))
		sql = "UPDATE users SET name = ?, updated_at = ? WHERE id = ?";
	else if (!strcmp(column, "pw_hash"))
		sql = "UPDATE users SET pw_hash = ?, updated_at = ? WHERE id = ?";
	else
		die("store_user_set_text: no column %s", column);
	int rc = db_exec_v(db, sql,
			   (const struct db_val[]){ DT(value), DI(now), DI(id), DB_END });
	return rc < 0 ? rc : 0;
}

int store_user_set_role(struct db *db, int64_t id, enum role role, int64_t customer_id,
			int64_t now)
{
	int rc = db_exec(db, "UPDATE users SET role = ?, customer_id = ?, updated_at = ?"
			     " WHERE id = ?",
			 DT(role_key(role)), DID(customer_id), DI(now), DI(id));
	return rc < 0 ? rc : 0;
}

int store_user_set_active(struct db *db, int64_t id, bool active, int64_t now)
{
	int rc = db_exec(db, "UPDATE users SET active = ?, updated_at = ? WHERE id = ?",
			 DI(active), DI(now), DI(id));
	return rc < 0 ? rc : 0;
}

int store_user_set_projects(struct db *db, int64_t id, json_t *project_ids)
{
	int rc = db_exec(db, "DELETE FROM project_members WHERE user_id = ?", DI(id));
	size_t i;
	json_t *p;
	json_array_foreach(project_ids, i, p) {
		if (rc < 0)
			break;
		rc = db_exec(db, "INSERT INTO project_members (project_id, user_id) VALUES (?, ?)"
				 " ON CONFLICT DO NOTHING",
			     DI(json_integer_value(p)), DI(id));
	}
	return rc < 0 ? rc : 0;
}

int store_user_set_head(struct db *db, int64_t id, bool head)
{
	int rc = head ? db_exec(db, "INSERT INTO department_heads (user_id) VALUES (?)"
				    " ON CONFLICT (user_id) DO NOTHING",
				DI(id))
		      : db_exec(db, "DELETE FROM department_heads WHERE user_id = ?", DI(id));
	return rc < 0 ? rc : 0;
}

int store_user_drop_credentials(struct db *db, int64_t id, const char *keep_hash)
{
	int rc = db_exec(db, "DELETE FROM credentials WHERE user_id = ? AND token_hash <> ?",
			 DI(id), DT(keep_hash ? keep_hash : ""));
	return rc < 0 ? rc : 0;
}

bool store_user_has_role(struct db *db, int64_t user_id, unsigned role_mask)
{
	struct user_auth a;
	if (store_user_auth_by_id(db, user_id, &a) < 0)
		return false;
	return a.active && (role_mask & ROLE_BIT(a.role));
}
