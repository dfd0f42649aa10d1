/* api-users.c - the administrator's users page */
#include "http.h"
#include "../core/policy.h"

static const struct jfield user_body[] = {
	{ "username", JT_STR, JF_REQUIRED, 1, 32 },
	{ "name", JT_STR, 0, 1, 50 },
	{ "role", JT_STR, JF_REQUIRED, 1, 16 },
	{ "password", JT_TEXT, JF_REQUIRED, 1, 256 },
	{ "customer_id", JT_ID, JF_NULL, 0, 0 },
	{ "project_ids", JT_IDS, 0, 0, 1000 },
	{ "department_head", JT_BOOL, 0, 0, 0 },
	JFIELDS_END,
};

static const struct jfield user_patch[] = {
	{ "name", JT_STR, 0, 1, 50 },
	{ "role", JT_STR, 0, 1, 16 },
	{ "password", JT_TEXT, 0, 1, 256 },
	{ "customer_id", JT_ID, JF_NULL, 0, 0 },
	{ "project_ids", JT_IDS, 0, 0, 1000 },
	{ "active", JT_BOOL, 0, 0, 0 },
	{ "department_head", JT_BOOL, 0, 0, 0 },
	JFIELDS_END,
};

static int h_create(struct req *r)
{
	json_t *out = NULL;
	int rc = app_user_create(&r->ctx, r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_list(struct req *r)
{
	return reply_json(r, 200, app_users_list(&r->ctx));
}

static int h_get(struct req *r)
{
	json_t *out = NULL;
	int rc = app_user_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_patch(struct req *r)
{
	json_t *out = NULL;
	int rc = app_user_update(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_staff(struct req *r)
{
	json_t *out = NULL;
	int rc = app_staff_list(&r->ctx, req_query(r, "project_id"), &out, &r->err);
	return reply_result(r, rc, 200, out);
}

/* argon2id makes creating users and setting passwords slow: they run on the pool. */
const struct route api_users_routes[] = {
	/* names for the pickers of every staff member: no accounts' details */
	{ "GET", "/api/v1/staff", h_staff, ROLES_STAFF, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "POST", "/api/v1/users", h_create, MAY_MANAGE_USERS, EXEC_POOL, user_body, OBJ_NONE, 0 },
	{ "GET", "/api/v1/users", h_list, MAY_MANAGE_USERS, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/users/{id}", h_get, MAY_MANAGE_USERS, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "PATCH", "/api/v1/users/{id}", h_patch, MAY_MANAGE_USERS, EXEC_POOL, user_patch, OBJ_NONE,
	  0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
