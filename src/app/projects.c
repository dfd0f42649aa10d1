/* projects.c - projects, their members and their stage events (PROCEDURE §2) */
#include "app.h"
#include "../core/fields.h"
#include "../core/policy.h"
#include "../core/stage.h"
#include "../lib/text.h"
#include "../store/store.h"

#include <stdlib.h>
#include <string.h>

static int db_error(struct db *db, struct kf_error *err, int rc)
{
	if (err->code)
		return rc;
	return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(db));
}

/* Meaning of code, customer_id and manager_id, where present in body. */
static int check_project_fields(struct app_ctx *c, json_t *body, struct kf_error *err)
{
	const char *code = json_string_value(json_object_get(body, "code"));
	json_t *cust = json_object_get(body, "customer_id");
	json_t *mgr = json_object_get(body, "manager_id");
	if (code && !field_code_ok(code))
		return kf_fail(err, KF_EINVAL, "invalid", "code",
			       "1-32 characters: letters, digits, '_' or '-'");
	if (cust && !store_customer_exists(c->db, json_integer_value(cust)))
		return kf_fail(err, KF_EINVAL, "invalid_reference", "customer_id",
			       "customer %lld does not exist", (long long)json_integer_value(cust));
	if (json_is_integer(mgr) &&
	    !store_user_has_role(c->db, json_integer_value(mgr), MAY_MANAGE_PROJECT))
		return kf_fail(err, KF_EINVAL, "invalid_reference", "manager_id",
			       "user %lld is not an active project team member",
			       (long long)json_integer_value(mgr));
	return 0;
}

/* Audit the project and its memberships, commit, and answer with the project. */
static int finish(struct app_ctx *c, int rc, int64_t id, const char *action, bool members,
		  json_t **out, struct kf_error *err)
{
	if (rc == 0)
		rc = store_search_index_projects(c->db, id, 0);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, action, "project", id, c->now);
	if (rc == 0 && members)
		rc = store_audit_append(c->db, c->who.user_id, "members.set", "project_members", id,
					c->now);
	if (rc == KF_ECONFLICT && !err->code)
		kf_fail(err, rc, "conflict", "code", "a project with this code exists");
	rc = app_finish(c->db, rc);
	if (rc < 0)
		return db_error(c->db, err, rc);
	*out = store_project_get(c->db, &c->who, id);
	return 0;
}

int app_project_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err)
{
	int rc = db_begin(c->db);
	if (rc < 0)
		return db_error(c->db, err, rc);
	int64_t id = 0;
	json_t *mgr = json_object_get(body, "manager_id");
	rc = check_project_fields(c, body, err);
	if (rc == 0)
		rc = store_project_insert(c->db, body, c->now, &id);
	/* The manager works on the project, so is one of its members. */
	if (rc == 0 && json_is_integer(mgr))
		rc = store_project_add_member(c->db, id, json_integer_value(mgr));
	return finish(c, rc, id, "project.create", json_is_integer(mgr), out, err);
}

int app_project_update(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		       struct kf_error *err)
{
	if (!app_project_visible(c, id))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such project");
	int rc = db_begin(c->db);
	if (rc < 0)
		return db_error(c->db, err, rc);
	json_t *mgr = json_object_get(body, "manager_id");
	rc = check_project_fields(c, body, err);
	if (rc == 0)
		rc = store_project_update(c->db, id, body, c->now);
	if (rc == 0 && json_is_integer(mgr))
		rc = store_project_add_member(c->db, id, json_integer_value(mgr));
	return finish(c, rc, id, "project.update", json_is_integer(mgr), out, err);
}

int app_project_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	*out = store_project_get(c->db, &c->who, id);
	if (!*out)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such project");
	return 0;
}

int app_projects_list(struct app_ctx *c, const char *stage, const char *customer_id,
		      const char *q, json_t **out, struct kf_error *err)
{
	int64_t cid = 0;
	if (stage && stage_parse(stage) < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "stage", "unknown stage");
	if (customer_id && !parse_id(customer_id, &cid))
		return kf_fail(err, KF_EINVAL, "invalid", "customer_id", "not an id");
	if (q && (!utf8_valid(q, strlen(q)) || utf8_chars(q) > 100))
		return kf_fail(err, KF_EINVAL, "invalid", "q", "at most 100 characters of UTF-8");
	*out = store_projects_list(c->db, &c->who, stage, cid, q && *q ? q : NULL);
	return 0;
}

int app_project_set_members(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
			    struct kf_error *err)
{
	if (!app_project_visible(c, id))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such project");
	json_t *ids = json_object_get(body, "user_ids");
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		if (!store_user_has_role(c->db, json_integer_value(v), ROLES_STAFF))
			return kf_fail(err, KF_EINVAL, "invalid_reference", "user_ids",
				       "user %lld is not an active staff member",
				       (long long)json_integer_value(v));
	}
	int rc = db_begin(c->db);
	if (rc < 0)
		return db_error(c->db, err, rc);
	rc = store_project_set_members(c->db, id, ids);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, "members.set", "project_members", id,
					c->now);
	rc = app_finish(c->db, rc);
	if (rc < 0)
		return db_error(c->db, err, rc);
	*out = store_project_get(c->db, &c->who, id);
	return 0;
}

int app_stage_event_create(struct app_ctx *c, int64_t project_id, json_t *body, json_t **out,
			   struct kf_error *err)
{
	const char *type = json_string_value(json_object_get(body, "type"));
	const char *date = json_string_value(json_object_get(body, "date"));
	const char *note = json_string_value(json_object_get(body, "note"));
	int ev = stage_event_parse(type);
	int64_t day, last_day = 0;
	if (ev < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "type",
			       "one of contract_signed, completion_filed, warranty_ended");
	if (!date_parse(date, &day))
		return kf_fail(err, KF_EINVAL, "invalid", "date", "not a calendar date YYYY-MM-DD");
	if (!app_project_visible(c, project_id))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such project");

	int rc = db_begin(c->db);
	if (rc < 0)
		return db_error(c->db, err, rc);
	/*
	 * Lock the project and read its stage inside the write transaction: a second server
	 * recording the same event waits, then sees the new stage and is refused.
	 */
	struct project_state ps;
	enum stage next;
	int64_t id = 0;
	rc = store_lock_project(c->db, project_id);
	if (rc == 0)
		rc = store_project_state(c->db, project_id, &ps);
	if (rc == 0 && ps.has_event)
		date_parse(ps.last_event_date, &last_day);
	if (rc == 0)
		rc = stage_apply(ps.stage, (enum stage_event)ev, day, ps.has_event, last_day, &next,
				 err);
	if (rc == 0)
		rc = store_stage_event_insert(c->db, project_id, (enum stage_event)ev, date, note,
					      ps.stage, next, c->who.user_id, c->now, &id);
	if (rc == KF_ECONFLICT)
		rc = kf_fail(err, KF_ERULE, "stage_order", "type", "this event is already recorded");
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, "stage.event", "stage_event", id,
					c->now);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, "stage.event", "project", project_id,
					c->now);
	rc = app_finish(c->db, rc);
	if (rc < 0)
		return db_error(c->db, err, rc);
	*out = store_stage_event_get(c->db, id);
	return 0;
}

int app_stage_events_list(struct app_ctx *c, int64_t project_id, json_t **out,
			  struct kf_error *err)
{
	if (!app_project_visible(c, project_id))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such project");
	*out = store_stage_events_list(c->db, project_id);
	return 0;
}

bool app_project_visible(struct app_ctx *c, int64_t id)
{
	return store_project_visible(c->db, &c->who, id);
}
