/* api-forms.c - the score sheets 6.1-6.3 and their versions */
#include "http.h"
#include "../core/policy.h"

static const struct jfield form_body[] = {
	{ "key", JT_STR, JF_REQUIRED, 1, 16 },
	{ "title", JT_STR, 0, 1, 100 },
	{ "title_en", JT_STR, 0, 1, 200 },
	{ "items", JT_ARRAY, JF_REQUIRED, 1, 30 },
	JFIELDS_END,
};

static int h_list(struct req *r)
{
	return reply_json(r, 200, app_forms_list(&r->ctx));
}

static int h_get(struct req *r)
{
	json_t *out = NULL;
	int rc = app_form_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_publish(struct req *r)
{
	json_t *out = NULL;
	int rc = app_form_publish(&r->ctx, r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

/* Everyone signed in reads the sheets (customers answer them); only the admin edits them. */
const struct route api_forms_routes[] = {
	{ "GET", "/api/v1/forms", h_list, ROLES_ANY, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/forms/{id}", h_get, ROLES_ANY, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "POST", "/api/v1/forms", h_publish, MAY_EDIT_FORMS, EXEC_WRITE, form_body, OBJ_NONE, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
