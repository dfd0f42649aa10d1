/* st-evaluations.c - filled score sheets and their rated items */
#include "st-common.h"

int store_evaluation_insert(struct db *db, const struct evaluation_row *e, int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO evaluations (project_id, form_id, form, kind, period, date,"
			  " score, grade, serious, summary_deduction, customer_rep, comment,"
			  " amends_id, reason, user_id, created_at)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  DI(e->project_id), DI(e->form_id), DT(e->form), DT(e->kind), DT(e->period),
			  DT(e->date), DI(e->score), DT(e->grade), DI(e->serious),
			  DI(e->summary_deduction), DT(e->customer_rep), DT(e->comment),
			  DID(e->amends_id), DT(e->reason), DI(e->user_id), DI(e->created_at));
}

int store_evaluation_item_insert(struct db *db, int64_t evaluation_id, int position,
				 const char *key, const char *title, int points,
				 const char *rating, int penalty, int score)
{
	int rc = db_exec(db, "INSERT INTO evaluation_items (evaluation_id, position, key, title,"
			     " points, rating, penalty, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			 DI(evaluation_id), DI(position), DT(key), DT(title), DI(points), DT(rating),
			 DI(penalty), DI(score));
	return rc < 0 ? rc : 0;
}

/*
 * Evaluations of visible projects; customers never see self-checks (PROCEDURE §1). The
 * amendment that replaced a row, if any, is derived, never stored on the immutable row.
 */
#define EVALUATION_SELECT                                                                   \
	"SELECT e.id, e.project_id, e.form, e.form_id, f.version AS form_version, e.kind,"   \
	" e.period, e.date, e.score, e.grade, e.serious, e.summary_deduction,"              \
	" e.customer_rep, e.comment, e.amends_id, e.reason,"                                \
	" (SELECT a.id FROM evaluations a WHERE a.amends_id = e.id) AS superseded_by,"      \
	" (SELECT c.id FROM penalty_cases c WHERE c.evaluation_id = e.id) AS case_id,"      \
	" (SELECT r.id FROM reviews r WHERE r.evaluation_id = e.id) AS review_id,"          \
	" e.user_id, u.name AS user_name, e.created_at FROM evaluations e"                  \
	" JOIN projects p ON p.id = e.project_id JOIN form_versions f ON f.id = e.form_id"  \
	" JOIN users u ON u.id = e.user_id"
#define EVALUATION_VISIBLE PROJECT_VISIBLE " AND (? <> 2 OR e.kind = 'official')"

json_t *store_evaluation_get(struct db *db, const struct actor *who, int64_t id)
{
	struct db_stmt *st = db_query(db, EVALUATION_SELECT " WHERE e.id = ? AND " EVALUATION_VISIBLE,
				      DI(id), VISIBLE_ARGS(who), DI(role_scope(who->role)));
	json_t *o = db_step(st) == DB_ROW ? store_row_json(st) : NULL;
	db_done(st);
	if (!o)
		return NULL;
	json_object_set_new(o, "items",
			    store_rows_json(db_query(db, "SELECT key, title, points, rating, penalty,"
							 " score FROM evaluation_items"
							 " WHERE evaluation_id = ? ORDER BY position",
						     DI(id))));
	return o;
}

json_t *store_evaluations_list(struct db *db, const struct actor *who, int64_t project_id)
{
	return store_rows_json(db_query(db, EVALUATION_SELECT " WHERE e.project_id = ? AND "
						EVALUATION_VISIBLE " ORDER BY e.date, e.id",
					DI(project_id), VISIBLE_ARGS(who), DI(role_scope(who->role))));
}
