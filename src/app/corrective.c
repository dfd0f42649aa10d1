/* corrective.c - cm dept's corrective actions for common defects (P-5.2.3h) */
#include "app.h"
#include "../store/store.h"

#include <string.h>

static int audit_action(struct app_ctx *c, const char *what, int64_t id)
{
	int rc = store_audit_append(c->db, c->who.user_id, what, "corrective_action", id, c->now);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, what, "corrective_action_tickets", id,
					c->now);
	return rc;
}

int app_corrective_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err)
{
	json_t *tickets = json_object_get(body, "ticket_ids");
	size_t i;
	json_t *t;
	json_array_foreach(tickets, i, t)
		if (!app_ticket_visible(c, json_integer_value(t)))
			return kf_fail(err, KF_EINVAL, "invalid_reference", "ticket_ids",
				       "ticket %lld does not exist",
				       (long long)json_integer_value(t));
	int64_t id = 0;
	int rc = db_begin(c->db);
	if (rc == 0)
		rc = store_corrective_insert(c->db, json_string_value(json_object_get(body, "title")),
					     json_string_value(json_object_get(body, "plan")),
					     c->who.user_id, c->now, &id);
	json_array_foreach(tickets, i, t)
		if (rc == 0)
			rc = store_corrective_add_ticket(c->db, id, json_integer_value(t));
	if (rc == 0)
		rc = audit_action(c, "corrective_action.create", id);
	rc = app_finish(c->db, rc);
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	return app_corrective_get(c, id, out, err);
}

int app_corrective_accept(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
			  struct kf_error *err)
{
	const char *result = json_string_value(json_object_get(body, "result"));
	if (strcmp(result, "accepted") && strcmp(result, "rework"))
		return kf_fail(err, KF_EINVAL, "invalid", "result", "accepted or rework");
	json_t *existing = store_corrective_get(c->db, id);
	if (!existing)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such corrective action");
	json_decref(existing);
	int64_t acc = 0;
	int rc = db_begin(c->db);
	if (rc == 0)
		rc = store_corrective_accept(c->db, id,
					     json_string_value(json_object_get(body, "customer_rep")),
					     json_string_value(json_object_get(body, "appraisal")),
					     result, c->who.user_id, c->now, &acc);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, "corrective_action.accept",
					"corrective_action_acceptance", acc, c->now);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, "corrective_action.accept",
					"corrective_action", id, c->now);
	rc = app_finish(c->db, rc);
	if (rc == KF_ECONFLICT)
		return kf_fail(err, rc, "conflict", NULL, "the corrective action is accepted already");
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	return app_corrective_get(c, id, out, err);
}

/*
 * Staff who see only some projects (the project team) see a corrective action when it covers
 * a ticket of theirs, and only those of its tickets.
 */
static bool in_scope(struct app_ctx *c, json_t *action)
{
	if (role_scope(c->who.role) == SCOPE_ALL)
		return true;
	json_t *ids = json_object_get(action, "ticket_ids");
	for (size_t i = json_array_size(ids); i-- > 0;)
		if (!app_ticket_visible(c, json_integer_value(json_array_get(ids, i))))
			json_array_remove(ids, i);
	return json_array_size(ids) > 0;
}

int app_corrective_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	*out = store_corrective_get(c->db, id);
	if (*out && !in_scope(c, *out)) {
		json_decref(*out);
		*out = NULL;
	}
	return *out ? 0 : kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such corrective action");
}

json_t *app_corrective_list(struct app_ctx *c)
{
	json_t *all = store_corrective_list(c->db);
	for (size_t i = json_array_size(all); i-- > 0;)
		if (!in_scope(c, json_array_get(all, i)))
			json_array_remove(all, i);
	return all;
}
