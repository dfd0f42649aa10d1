/* st-corrective.c - corrective actions for common defects (P-5.2.3h) and their acceptances */
#include "st-common.h"

int store_corrective_insert(struct db *db, const char *title, const char *plan, int64_t user_id,
			    int64_t now, int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO corrective_actions (title, plan, user_id, created_at,"
			  " updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			  DT(title), DT(plan), DI(user_id), DI(now), DI(now));
}

int store_corrective_add_ticket(struct db *db, int64_t id, int64_t ticket_id)
{
	int rc = db_exec(db, "INSERT INTO corrective_action_tickets (action_id, ticket_id)"
			     " VALUES (?, ?) ON CONFLICT DO NOTHING",
			 DI(id), DI(ticket_id));
	return rc < 0 ? rc : 0;
}

int store_corrective_accept(struct db *db, int64_t id, const char *customer_rep,
			    const char *appraisal, const char *result, int64_t user_id,
			    int64_t now, int64_t *acceptance_id)
{
	int rc = db_get_int(db, acceptance_id,
			    "INSERT INTO corrective_action_acceptances (action_id, customer_rep,"
			    " appraisal, result, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)"
			    " RETURNING id",
			    DI(id), DT(customer_rep), DT(appraisal), DT(result), DI(user_id), DI(now));
	if (rc == 0)
		rc = db_exec(db, "UPDATE corrective_actions SET status = ?, updated_at = ?"
				 " WHERE id = ? AND status <> 'accepted'",
			     DT(result), DI(now), DI(id));
	return rc < 0 ? rc : rc == 0 ? KF_ECONFLICT : 0;
}

#define CORRECTIVE_SELECT                                                                   \
	"SELECT c.id, c.title, c.plan, c.status, c.user_id, u.name AS user_name,"            \
	" c.created_at, c.updated_at FROM corrective_actions c JOIN users u ON u.id = c.user_id"

static void attach_details(struct db *db, json_t *list)
{
	st_attach_ids(db, list, "ticket_ids",
		      "SELECT action_id, ticket_id FROM corrective_action_tickets WHERE action_id = ?"
		      " ORDER BY ticket_id",
		      "SELECT action_id, ticket_id FROM corrective_action_tickets ORDER BY ticket_id");
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
		json_object_set_new(
			c, "acceptances",
			store_rows_json(db_query(
				db,
				"SELECT a.id, a.customer_rep, a.appraisal, a.result, a.user_id,"
				" u.name AS user_name, a.created_at FROM corrective_action_acceptances a"
				" JOIN users u ON u.id = a.user_id WHERE a.action_id = ? ORDER BY a.id",
				DI(json_integer_value(json_object_get(c, "id"))))));
}

json_t *store_corrective_get(struct db *db, int64_t id)
{
	json_t *a = store_rows_json(db_query(db, CORRECTIVE_SELECT " WHERE c.id = ?", DI(id)));
	json_t *c = NULL;
	if (json_array_size(a)) {
		attach_details(db, a);
		c = json_incref(json_array_get(a, 0));
	}
	json_decref(a);
	return c;
}

json_t *store_corrective_list(struct db *db)
{
	json_t *a = store_rows_json(db_query(db, CORRECTIVE_SELECT " ORDER BY c.id DESC LIMIT 500"));
	attach_details(db, a);
	return a;
}
