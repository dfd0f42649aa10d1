/* customers.c - registering and editing customers */
#include "app.h"
#include "../core/fields.h"
#include "../store/store.h"

static int check_contact_fields(json_t *body, struct kf_error *err)
{
	const char *email = json_string_value(json_object_get(body, "email"));
	const char *phone = json_string_value(json_object_get(body, "phone"));
	if (email && *email && !field_email_ok(email))
		return kf_fail(err, KF_EINVAL, "invalid", "email", "not an e-mail address");
	if (phone && *phone && !field_phone_ok(phone))
		return kf_fail(err, KF_EINVAL, "invalid", "phone",
			       "a phone number has digits, spaces and + - ( ) only");
	return 0;
}

static int finish(struct app_ctx *c, int rc, int64_t id, const char *action, json_t **out,
		  struct kf_error *err)
{
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, action, "customer", id, c->now);
	rc = app_finish(c->db, rc);
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error");
	*out = store_customer_get(c->db, &c->who, id);
	return 0;
}

int app_customer_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err)
{
	int rc = check_contact_fields(body, err);
	if (rc < 0)
		return rc;
	if ((rc = db_begin(c->db)) < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error");
	int64_t id = 0;
	rc = store_customer_insert(c->db, body, c->now, &id);
	return finish(c, rc, id, "customer.create", out, err);
}

int app_customer_update(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
			struct kf_error *err)
{
	if (!app_customer_visible(c, id))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such customer");
	int rc = check_contact_fields(body, err);
	if (rc < 0)
		return rc;
	if ((rc = db_begin(c->db)) < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error");
	rc = store_customer_update(c->db, id, body, c->now);
	/* The customer's name is part of its projects' search documents. */
	if (rc == 0 && json_object_get(body, "name"))
		rc = store_search_index_projects(c->db, 0, id);
	return finish(c, rc, id, "customer.update", out, err);
}

int app_customer_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	*out = store_customer_get(c->db, &c->who, id);
	if (!*out)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such customer");
	return 0;
}

json_t *app_customers_list(struct app_ctx *c)
{
	return store_customers_list(c->db, &c->who);
}

bool app_customer_visible(struct app_ctx *c, int64_t id)
{
	json_t *o = store_customer_get(c->db, &c->who, id);
	json_decref(o);
	return o != NULL;
}
