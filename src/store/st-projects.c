/* st-projects.c - projects, members and stage events, scoped to what the caller may see */
#include "st-common.h"
#include "st-search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROJECT_SELECT                                                                      \
	"SELECT p.id, p.code, p.name, p.customer_id, c.name AS customer_name, p.manager_id,"\
	" u.name AS manager_name, p.stage, p.contract_date, p.completion_date,"             \
	" p.warranty_end_date, p.created_at, p.updated_at FROM projects p"                 \
	" JOIN customers c ON c.id = p.customer_id LEFT JOIN users u ON u.id = p.manager_id"

static void attach_members(struct db *db, json_t *projects)
{
	st_attach_ids(db, projects, "member_ids",
		      "SELECT project_id, user_id FROM project_members WHERE project_id = ?"
		      " ORDER BY user_id",
		      "SELECT project_id, user_id FROM project_members ORDER BY project_id, user_id");
}

int store_project_insert(struct db *db, json_t *f, int64_t now, int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO projects (code, name, customer_id, manager_id, stage,"
			  " created_at, updated_at) VALUES (?, ?, ?, ?, 'pre_contract', ?, ?)"
			  " RETURNING id",
			  jv_text(f, "code"), jv_text(f, "name"), jv_id(f, "customer_id"),
			  jv_id(f, "manager_id"), DI(now), DI(now));
}

static const struct patch_col project_cols[] = {
	{ "code", false, "UPDATE projects SET code = ?, updated_at = ? WHERE id = ?" },
	{ "name", false, "UPDATE projects SET name = ?, updated_at = ? WHERE id = ?" },
	{ "customer_id", true, "UPDATE projects SET customer_id = ?, updated_at = ? WHERE id = ?" },
	{ "manager_id", true, "UPDATE projects SET manager_id = ?, updated_at = ? WHERE id = ?" },
};

int store_project_update(struct db *db, int64_t id, json_t *fields, int64_t now)
{
	return st_patch(db, project_cols, ARRAY_SIZE(project_cols), fields, id, now);
}

json_t *store_project_get(struct db *db, const struct actor *who, int64_t id)
{
	json_t *a = store_rows_json(db_query(db, PROJECT_SELECT " WHERE p.id = ? AND " PROJECT_VISIBLE,
					     DI(id), VISIBLE_ARGS(who)));
	json_t *p = NULL;
	if (json_array_size(a)) {
		attach_members(db, a);
		p = json_incref(json_array_get(a, 0));
	}
	json_decref(a);
	return p;
}

#define PROJECT_LIST(match)                                                                 \
	PROJECT_SELECT " WHERE " PROJECT_VISIBLE " AND (CAST(? AS TEXT) IS NULL OR p.stage = ?)"   \
		       " AND (CAST(? AS BIGINT) IS NULL OR p.customer_id = ?)" match " ORDER BY p.id"

json_t *store_projects_list(struct db *db, const struct actor *who, const char *stage,
			    int64_t customer_id, const char *q)
{
	/* One static statement per search variant, so each is prepared once and cached. */
	static const char *const with_search[] = {
		[SEARCH_FTS] = PROJECT_LIST(" AND p.id IN (" SEARCH_SQL_FTS ")"),
		[SEARCH_SCAN] = PROJECT_LIST(" AND p.id IN (" SEARCH_SQL_SCAN ")"),
		[SEARCH_TRGM] = PROJECT_LIST(" AND p.id IN (" SEARCH_SQL_TRGM ")"),
	};
	struct db_stmt *st;
	char *arg = NULL;
	if (q) {
		enum search_mode m = st_search_mode(db, q, &arg);
		st = db_query_v(db, with_search[m],
				(const struct db_val[]){ VISIBLE_ARGS(who), DT(stage), DT(stage),
							 DID(customer_id), DID(customer_id), DT(arg),
							 DT("project"), DB_END });
	} else {
		st = db_query(db, PROJECT_LIST(""), VISIBLE_ARGS(who), DT(stage), DT(stage),
			      DID(customer_id), DID(customer_id));
	}
	json_t *a = store_rows_json(st);
	free(arg);
	if (json_array_size(a))
		attach_members(db, a);
	return a;
}

bool store_project_visible(struct db *db, const struct actor *who, int64_t id)
{
	int64_t n = 0;
	return db_get_int(db, &n, "SELECT count(*) FROM projects p WHERE p.id = ? AND " PROJECT_VISIBLE,
			  DI(id), VISIBLE_ARGS(who)) == 0 &&
	       n > 0;
}

int store_project_state(struct db *db, int64_t id, struct project_state *out)
{
	struct db_stmt *st = db_query(
		db,
		"SELECT p.id, p.customer_id, p.stage,"
		" (SELECT max(e.date) FROM stage_events e WHERE e.project_id = p.id)"
		" FROM projects p WHERE p.id = ?",
		DI(id));
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->id = db_int(st, 0);
		out->customer_id = db_int(st, 1);
		out->stage = (enum stage)stage_parse(db_text(st, 2));
		out->has_event = !db_isnull(st, 3);
		snprintf(out->last_event_date, sizeof(out->last_event_date), "%s",
			 out->has_event ? db_text(st, 3) : "");
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = KF_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int store_project_set_members(struct db *db, int64_t id, json_t *user_ids)
{
	int rc = db_exec(db, "DELETE FROM project_members WHERE project_id = ?", DI(id));
	size_t i;
	json_t *u;
	json_array_foreach(user_ids, i, u) {
		if (rc < 0)
			break;
		rc = store_project_add_member(db, id, json_integer_value(u));
	}
	return rc < 0 ? rc : 0;
}

int store_project_add_member(struct db *db, int64_t id, int64_t user_id)
{
	int rc = db_exec(db, "INSERT INTO project_members (project_id, user_id) VALUES (?, ?)"
			     " ON CONFLICT DO NOTHING",
			 DI(id), DI(user_id));
	return rc < 0 ? rc : 0;
}

int store_stage_event_insert(struct db *db, int64_t project_id, enum stage_event ev,
			     const char *date, const char *note, enum stage from, enum stage to,
			     int64_t user_id, int64_t now, int64_t *id)
{
	int rc = db_get_int(db, id,
			    "INSERT INTO stage_events (project_id, type, date, note, from_stage,"
			    " to_stage, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
			    " RETURNING id",
			    DI(project_id), DT(stage_event_key(ev)), DT(date), DT(note),
			    DT(stage_key(from)), DT(stage_key(to)), DI(user_id), DI(now));
	if (rc < 0)
		return rc;
	/* The guard on the old stage makes a racing second event change nothing. */
	const char *sql;
	switch (ev) {
	case EV_CONTRACT_SIGNED:
		sql = "UPDATE projects SET stage = ?, contract_date = ?, updated_at = ?"
		      " WHERE id = ? AND stage = ?";
		break;
	case EV_COMPLETION_FILED:
		sql = "UPDATE projects SET stage = ?, completion_date = ?, updated_at = ?"
		      " WHERE id = ? AND stage = ?";
		break;
	default:
		sql = "UPDATE projects SET stage = ?, warranty_end_date = ?, updated_at = ?"
		      " WHERE id = ? AND stage = ?";
		break;
	}
	rc = db_exec_v(db, sql,
		       (const struct db_val[]){ DT(stage_key(to)), DT(date), DI(now), DI(project_id),
						DT(stage_key(from)), DB_END });
	if (rc == 0)
		return KF_ECONFLICT;
	return rc < 0 ? rc : 0;
}

#define EVENT_SELECT                                                                        \
	"SELECT e.id, e.project_id, e.type, e.date, e.note, e.from_stage, e.to_stage,"      \
	" e.user_id, u.name AS user_name, e.created_at FROM stage_events e"                 \
	" JOIN users u ON u.id = e.user_id"

json_t *store_stage_event_get(struct db *db, int64_t id)
{
	struct db_stmt *st = db_query(db, EVENT_SELECT " WHERE e.id = ?", DI(id));
	json_t *o = db_step(st) == DB_ROW ? store_row_json(st) : NULL;
	db_done(st);
	return o;
}

json_t *store_stage_events_list(struct db *db, int64_t project_id)
{
	return store_rows_json(
		db_query(db, EVENT_SELECT " WHERE e.project_id = ? ORDER BY e.date, e.id",
			 DI(project_id)));
}
