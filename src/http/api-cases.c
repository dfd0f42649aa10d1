/* api-cases.c - penalty cases (PROCEDURE §8) and improvement reviews (§6): staff only */
#include "http.h"
#include "../core/policy.h"

static const struct jfield decision_body[] = {
	{ "text", JT_TEXT, JF_REQUIRED, 1, 2000 },
	JFIELDS_END,
};

static const struct jfield close_body[] = {
	{ "findings", JT_TEXT, JF_REQUIRED, 1, 2000 },
	JFIELDS_END,
};

static int h_cases(struct req *r)
{
	json_t *out = NULL;
	int rc = app_cases_list(&r->ctx, req_query(r, "project_id"), req_query(r, "status"), &out,
				&r->err);
	return reply_result(r, rc, 200, out);
}

static int h_case(struct req *r)
{
	json_t *out = NULL;
	int rc = app_case_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_decide(struct req *r)
{
	json_t *out = NULL;
	int rc = app_case_decide(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_reviews(struct req *r)
{
	json_t *out = NULL;
	int rc = app_reviews_list(&r->ctx, req_query(r, "project_id"), req_query(r, "status"),
				  &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_review(struct req *r)
{
	json_t *out = NULL;
	int rc = app_review_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_close(struct req *r)
{
	json_t *out = NULL;
	int rc = app_review_close(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 200, out);
}

/* Customers never see cases or reviews (PROCEDURE §1); project staff only their projects'. */
const struct route api_cases_routes[] = {
	{ "GET", "/api/v1/penalty-cases", h_cases, ROLES_STAFF, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/penalty-cases/{id}", h_case, ROLES_STAFF, EXEC_READ, NULL, OBJ_CASE, 0 },
	{ "POST", "/api/v1/penalty-cases/{id}/decision", h_decide, MAY_DECIDE_CASES, EXEC_WRITE,
	  decision_body, OBJ_CASE, 0 },
	{ "GET", "/api/v1/reviews", h_reviews, ROLES_STAFF, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/reviews/{id}", h_review, ROLES_STAFF, EXEC_READ, NULL, OBJ_REVIEW, 0 },
	{ "POST", "/api/v1/reviews/{id}/close", h_close, MAY_CLOSE_REVIEWS, EXEC_WRITE, close_body,
	  OBJ_REVIEW, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
