/* api-corrective.c - corrective actions for common defects (P-5.2.3h): cm dept's, staff read */
#include "http.h"
#include "../core/policy.h"

static const struct jfield corrective_body[] = {
	{ "title", JT_STR, JF_REQUIRED, 1, 200 },
	{ "ticket_ids", JT_IDS, JF_REQUIRED, 1, 100 },
	{ "plan", JT_TEXT, JF_REQUIRED, 1, 5000 },
	JFIELDS_END,
};

static const struct jfield acceptance_body[] = {
	{ "customer_rep", JT_STR, JF_REQUIRED, 1, 50 },
	{ "appraisal", JT_TEXT, JF_REQUIRED, 1, 2000 },
	{ "result", JT_STR, JF_REQUIRED, 1, 16 },
	JFIELDS_END,
};

static int h_create(struct req *r)
{
	json_t *out = NULL;
	int rc = app_corrective_create(&r->ctx, r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_list(struct req *r)
{
	return reply_json(r, 200, app_corrective_list(&r->ctx));
}

static int h_get(struct req *r)
{
	json_t *out = NULL;
	int rc = app_corrective_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_accept(struct req *r)
{
	json_t *out = NULL;
	int rc = app_corrective_accept(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

const struct route api_corrective_routes[] = {
	{ "POST", "/api/v1/corrective-actions", h_create, MAY_CORRECT, EXEC_WRITE, corrective_body,
	  OBJ_NONE, 0 },
	{ "GET", "/api/v1/corrective-actions", h_list, ROLES_STAFF, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/corrective-actions/{id}", h_get, ROLES_STAFF, EXEC_READ, NULL, OBJ_NONE,
	  0 },
	{ "POST", "/api/v1/corrective-actions/{id}/acceptance", h_accept, MAY_CORRECT, EXEC_WRITE,
	  acceptance_body, OBJ_NONE, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
