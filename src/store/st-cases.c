/* st-cases.c - penalty cases (PROCEDURE §8), improvement reviews (§6) and the 6.4 summary rows */
#include "st-common.h"

#include <stdio.h>
#include <string.h>

int store_official_evals(struct db *db, int64_t project_id, struct official_eval **out,
			 size_t *n)
{
	struct db_stmt *st = db_query(
		db,
		"SELECT e.id, e.amends_id, e.date, CASE WHEN e.grade = 'fail' THEN 1 ELSE 0 END,"
		" CASE WHEN EXISTS (SELECT 1 FROM evaluations a WHERE a.amends_id = e.id)"
		"  THEN 1 ELSE 0 END,"
		" CASE WHEN EXISTS (SELECT 1 FROM penalty_case_evaluations c"
		"  WHERE c.evaluation_id = e.id) THEN 1 ELSE 0 END,"
		" CASE WHEN EXISTS (SELECT 1 FROM penalty_cases c WHERE c.evaluation_id = e.id)"
		"  THEN 1 ELSE 0 END"
		" FROM evaluations e WHERE e.project_id = ? AND e.kind = 'official' ORDER BY e.id",
		DI(project_id));
	size_t alloc = 0;
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		ALLOC_GROW(*out, *n + 1, alloc);
		struct official_eval *e = &(*out)[(*n)++];
		e->id = db_int(st, 0);
		e->amends_id = db_isnull(st, 1) ? 0 : db_int(st, 1);
		snprintf(e->date, sizeof(e->date), "%s", db_text(st, 2));
		e->fail = db_int(st, 3) != 0;
		e->superseded = db_int(st, 4) != 0;
		e->covered = db_int(st, 5) != 0;
		e->opened_case = db_int(st, 6) != 0;
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc < 0 ? rc : KF_EINTERNAL;
	}
	return 0;
}

int store_case_insert(struct db *db, int64_t project_id, int64_t evaluation_id, int level,
		      const char *reason, const int64_t *ids, int nids, int64_t now, int64_t *id)
{
	int rc = db_get_int(db, id,
			    "INSERT INTO penalty_cases (project_id, evaluation_id, level, reason,"
			    " created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			    DI(project_id), DI(evaluation_id), DI(level), DT(reason), DI(now));
	for (int i = 0; rc == 0 && i < nids; i++) {
		rc = db_exec(db, "INSERT INTO penalty_case_evaluations (case_id, evaluation_id)"
				 " VALUES (?, ?)",
			     DI(*id), DI(ids[i]));
		rc = rc < 0 ? rc : 0;
	}
	return rc;
}

#define CASE_SELECT                                                                         \
	"SELECT c.id, c.project_id, p.code AS project_code, p.name AS project_name, c.level,"  \
	" c.reason, c.evaluation_id, c.status, c.decision, c.decided_by,"                   \
	" u.name AS decided_by_name, c.decided_at, c.created_at FROM penalty_cases c"       \
	" JOIN projects p ON p.id = c.project_id LEFT JOIN users u ON u.id = c.decided_by"

/* The evaluations a case covers, oldest first, each with the amendment that replaced it. */
static void attach_case_evaluations(struct db *db, json_t *cases)
{
	size_t i;
	json_t *c;
	json_array_foreach(cases, i, c) {
		json_t *evals = store_rows_json(db_query(
			db,
			"SELECT e.id, e.form, e.date, e.score, e.grade,"
			" (SELECT a.id FROM evaluations a WHERE a.amends_id = e.id) AS superseded_by"
			" FROM penalty_case_evaluations ce JOIN evaluations e ON e.id = ce.evaluation_id"
			" WHERE ce.case_id = ? ORDER BY e.date, e.id",
			DI(json_integer_value(json_object_get(c, "id")))));
		json_t *ids = json_array();
		size_t k;
		json_t *e;
		json_array_foreach(evals, k, e)
			json_array_append(ids, json_object_get(e, "id"));
		json_object_set_new(c, "evaluation_ids", ids);
		json_object_set_new(c, "evaluations", evals);
	}
}

json_t *store_case_get(struct db *db, const struct actor *who, int64_t id)
{
	json_t *a = store_rows_json(db_query(db, CASE_SELECT " WHERE c.id = ? AND " PROJECT_VISIBLE,
					     DI(id), VISIBLE_ARGS(who)));
	json_t *c = NULL;
	if (json_array_size(a)) {
		attach_case_evaluations(db, a);
		c = json_incref(json_array_get(a, 0));
	}
	json_decref(a);
	return c;
}

json_t *store_cases_list(struct db *db, const struct actor *who, int64_t project_id,
			 const char *status)
{
	json_t *a = store_rows_json(db_query(
		db,
		CASE_SELECT " WHERE " PROJECT_VISIBLE " AND (CAST(? AS BIGINT) IS NULL OR"
			    " c.project_id = ?) AND (CAST(? AS TEXT) IS NULL OR c.status = ?)"
			    " ORDER BY c.id DESC LIMIT 1000",
		VISIBLE_ARGS(who), DID(project_id), DID(project_id), DT(status), DT(status)));
	attach_case_evaluations(db, a);
	return a;
}

int store_case_decide(struct db *db, int64_t id, const char *text, int64_t user_id,
		      int64_t now)
{
	int rc = db_exec(db, "UPDATE penalty_cases SET status = 'decided', decision = ?,"
			     " decided_by = ?, decided_at = ? WHERE id = ? AND status = 'open'",
			 DT(text), DI(user_id), DI(now), DI(id));
	return rc < 0 ? rc : rc == 0 ? KF_ECONFLICT : 0;
}

int store_review_insert(struct db *db, int64_t project_id, int64_t evaluation_id, bool fail,
			bool serious, int64_t now, int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO reviews (project_id, evaluation_id, fail, serious, created_at)"
			  " VALUES (?, ?, ?, ?, ?) RETURNING id",
			  DI(project_id), DI(evaluation_id), DI(fail), DI(serious), DI(now));
}

#define REVIEW_SELECT                                                                       \
	"SELECT r.id, r.project_id, p.code AS project_code, p.name AS project_name,"          \
	" r.evaluation_id, e.form, e.score, e.grade, r.serious, r.fail, r.status,"          \
	" r.findings, r.closed_by, u.name AS closed_by_name, r.closed_at, r.created_at"     \
	" FROM reviews r JOIN projects p ON p.id = r.project_id"                            \
	" JOIN evaluations e ON e.id = r.evaluation_id LEFT JOIN users u ON u.id = r.closed_by"

json_t *store_review_get(struct db *db, const struct actor *who, int64_t id)
{
	struct db_stmt *st = db_query(db, REVIEW_SELECT " WHERE r.id = ? AND " PROJECT_VISIBLE,
				      DI(id), VISIBLE_ARGS(who));
	json_t *o = db_step(st) == DB_ROW ? store_row_json(st) : NULL;
	db_done(st);
	return o;
}

json_t *store_reviews_list(struct db *db, const struct actor *who, int64_t project_id,
			   const char *status)
{
	return store_rows_json(db_query(
		db,
		REVIEW_SELECT " WHERE " PROJECT_VISIBLE " AND (CAST(? AS BIGINT) IS NULL OR"
			      " r.project_id = ?) AND (CAST(? AS TEXT) IS NULL OR r.status = ?)"
			      " ORDER BY r.id DESC LIMIT 1000",
		VISIBLE_ARGS(who), DID(project_id), DID(project_id), DT(status), DT(status)));
}

int store_review_close(struct db *db, int64_t id, const char *findings, int64_t user_id,
		       int64_t now)
{
	int rc = db_exec(db, "UPDATE reviews SET status = 'closed', findings = ?, closed_by = ?,"
			     " closed_at = ? WHERE id = ? AND status = 'open'",
			 DT(findings), DI(user_id), DI(now), DI(id));
	return rc < 0 ? rc : rc == 0 ? KF_ECONFLICT : 0;
}

/*
 * The sheets a 6.4 summary uses: official evaluations no amendment replaced, dated up to
 * until ("9999-12-31" for all), of the visible projects (one when project_id is not 0),
 * ordered by project, then date and id, so that the last row of a project and phase is the
 * one to use. open_serious: the project has an open review opened for a serious item.
 */
json_t *store_summary_sheets(struct db *db, const struct actor *who, int64_t project_id,
			     const char *until)
{
	return store_rows_json(db_query(
		db,
		"SELECT p.id AS project_id, p.code, p.name, p.stage, e.id, e.form, e.date, e.score,"
		" e.summary_deduction,"
		" CASE WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.project_id = p.id"
		"  AND r.status = 'open' AND r.serious = 1) THEN 1 ELSE 0 END AS open_serious"
		" FROM evaluations e JOIN projects p ON p.id = e.project_id"
		" WHERE e.kind = 'official' AND e.date <= ?"
		" AND NOT EXISTS (SELECT 1 FROM evaluations a WHERE a.amends_id = e.id)"
		" AND (CAST(? AS BIGINT) IS NULL OR e.project_id = ?) AND " PROJECT_VISIBLE
		" ORDER BY p.id, e.date, e.id",
		DT(until), DID(project_id), DID(project_id), VISIBLE_ARGS(who)));
}
