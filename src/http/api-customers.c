/* api-customers.c - customers */
#include "http.h"
#include "../core/policy.h"

static const struct jfield customer_body[] = {
	{ "name", JT_STR, JF_REQUIRED, 1, 100 },
	{ "contact", JT_STR, JF_NULL, 0, 50 },
	{ "phone", JT_STR, JF_NULL, 0, 30 },
	{ "email", JT_STR, JF_NULL, 0, 100 },
	{ "address", JT_TEXT, JF_NULL, 0, 200 },
	JFIELDS_END,
};

static int h_create(struct req *r)
{
	json_t *out = NULL;
	int rc = app_customer_create(&r->ctx, r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_list(struct req *r)
{
	return reply_json(r, 200, app_customers_list(&r->ctx));
}

static int h_get(struct req *r)
{
	json_t *out = NULL;
	int rc = app_customer_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_patch(struct req *r)
{
	json_t *out = NULL;
	int rc = app_customer_update(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 200, out);
}

const struct route api_customers_routes[] = {
	{ "POST", "/api/v1/customers", h_create, MAY_WRITE_MASTER, EXEC_WRITE, customer_body,
	  OBJ_NONE, 0 },
	{ "GET", "/api/v1/customers", h_list, ROLES_ANY, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/customers/{id}", h_get, ROLES_ANY, EXEC_READ, NULL, OBJ_CUSTOMER, 0 },
	{ "PATCH", "/api/v1/customers/{id}", h_patch, MAY_WRITE_MASTER, EXEC_WRITE, customer_body,
	  OBJ_CUSTOMER, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
