/* api-evaluations.c - filled score sheets: submit, list, read (never change) */
#include "http.h"
#include "../core/policy.h"

/* A filled sheet, as submitted; an amendment is the same body and why (P-5.6). */
#define EVALUATION_FIELDS                                                                   \
	{ "form", JT_STR, JF_REQUIRED, 1, 16 }, { "kind", JT_STR, JF_REQUIRED, 1, 16 },       \
		{ "period", JT_STR, JF_NULL, 1, 7 }, { "date", JT_STR, JF_REQUIRED, 1, 10 },  \
		{ "items", JT_ARRAY, JF_REQUIRED, 1, 30 },                                    \
		{ "summary_deduction", JT_INT, JF_NULL, 0, 0 },                               \
		{ "customer_rep", JT_STR, JF_NULL, 0, 50 },                                   \
		{ "comment", JT_TEXT, JF_NULL, 0, 2000 }

static const struct jfield evaluation_body[] = {
	EVALUATION_FIELDS,
	JFIELDS_END,
};

static const struct jfield amendment_body[] = {
	EVALUATION_FIELDS,
	{ "reason", JT_TEXT, JF_REQUIRED, 1, 500 },
	JFIELDS_END,
};

static int h_create(struct req *r)
{
	json_t *out = NULL;
	int rc = app_evaluation_create(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_amend(struct req *r)
{
	json_t *out = NULL;
	int rc = app_evaluation_amend(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_list(struct req *r)
{
	json_t *out = NULL;
	int rc = app_evaluations_list(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_get(struct req *r)
{
	json_t *out = NULL;
	int rc = app_evaluation_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

/* No PATCH or DELETE: a submitted evaluation never changes (P-5.6); the router answers 405. */
const struct route api_evaluations_routes[] = {
	{ "POST", "/api/v1/projects/{id}/evaluations", h_create, MAY_EVALUATE, EXEC_WRITE,
	  evaluation_body, OBJ_PROJECT, 0 },
	{ "GET", "/api/v1/projects/{id}/evaluations", h_list, ROLES_ANY, EXEC_READ, NULL,
	  OBJ_PROJECT, 0 },
	{ "GET", "/api/v1/evaluations/{id}", h_get, ROLES_ANY, EXEC_READ, NULL, OBJ_EVALUATION, 0 },
	{ "POST", "/api/v1/evaluations/{id}/amendments", h_amend, MAY_EVALUATE, EXEC_WRITE,
	  amendment_body, OBJ_EVALUATION, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
