/* api-projects.c - projects, their members and stage events */
#include "http.h"
#include "../core/policy.h"

static const struct jfield project_body[] = {
	{ "code", JT_STR, JF_REQUIRED, 1, 32 },
	{ "name", JT_STR, JF_REQUIRED, 1, 100 },
	{ "customer_id", JT_ID, JF_REQUIRED, 0, 0 },
	{ "manager_id", JT_ID, JF_NULL, 0, 0 },
	JFIELDS_END,
};

static const struct jfield members_body[] = {
	{ "user_ids", JT_IDS, JF_REQUIRED, 0, 500 },
	JFIELDS_END,
};

static const struct jfield event_body[] = {
	{ "type", JT_STR, JF_REQUIRED, 1, 32 },
	{ "date", JT_STR, JF_REQUIRED, 1, 10 },
	{ "note", JT_TEXT, JF_NULL, 0, 500 },
	JFIELDS_END,
};

static int h_create(struct req *r)
{
	json_t *out = NULL;
	int rc = app_project_create(&r->ctx, r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_list(struct req *r)
{
	json_t *out = NULL;
	int rc = app_projects_list(&r->ctx, req_query(r, "stage"), req_query(r, "customer_id"),
				   req_query(r, "q"), &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_get(struct req *r)
{
	json_t *out = NULL;
	int rc = app_project_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_patch(struct req *r)
{
	json_t *out = NULL;
	int rc = app_project_update(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_members(struct req *r)
{
	json_t *out = NULL;
	int rc = app_project_set_members(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_event(struct req *r)
{
	json_t *out = NULL;
	int rc = app_stage_event_create(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_events(struct req *r)
{
	json_t *out = NULL;
	int rc = app_stage_events_list(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

const struct route api_projects_routes[] = {
	{ "POST", "/api/v1/projects", h_create, MAY_WRITE_MASTER, EXEC_WRITE, project_body,
	  OBJ_NONE, 0 },
	{ "GET", "/api/v1/projects", h_list, ROLES_ANY, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/projects/{id}", h_get, ROLES_ANY, EXEC_READ, NULL, OBJ_PROJECT, 0 },
	{ "PATCH", "/api/v1/projects/{id}", h_patch, MAY_WRITE_MASTER, EXEC_WRITE, project_body,
	  OBJ_PROJECT, 0 },
	{ "PUT", "/api/v1/projects/{id}/members", h_members, MAY_WRITE_MASTER, EXEC_WRITE,
	  members_body, OBJ_PROJECT, 0 },
	{ "POST", "/api/v1/projects/{id}/events", h_event, MAY_RECORD_STAGE, EXEC_WRITE,
	  event_body, OBJ_PROJECT, 0 },
	{ "GET", "/api/v1/projects/{id}/events", h_events, ROLES_ANY, EXEC_READ, NULL, OBJ_PROJECT,
	  0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
