/* api-tickets.c - requests, complaints and repairs: receive, queue, read, move */
#include "http.h"
#include "../core/media.h"
#include "../core/ticket.h"

#include <event2/buffer.h>
#include <string.h>

static const struct jfield ticket_body[] = {
	{ "project_id", JT_ID, JF_REQUIRED, 0, 0 },
	{ "kind", JT_STR, JF_REQUIRED, 1, 32 },
	{ "title", JT_STR, JF_REQUIRED, 1, 200 },
	{ "description", JT_TEXT, JF_REQUIRED, 1, 5000 },
	{ "channel", JT_STR, JF_REQUIRED, 1, 16 },
	{ "required_by", JT_STR, JF_NULL, 1, 40 },
	{ "location", JT_STR, JF_NULL, 0, 200 },
	JFIELDS_END,
};

/* Every member any action takes; which ones an action accepts is app_ticket_act()'s to say. */
static const struct jfield action_body[] = {
	{ "action", JT_STR, JF_REQUIRED, 1, 32 },
	{ "to_user_id", JT_ID, 0, 0, 0 },
	{ "reason", JT_TEXT, 0, 1, 2000 },
	{ "user_ids", JT_IDS, 0, 1, 20 },
	{ "scope", JT_STR, 0, 1, 32 },
	{ "evidence", JT_TEXT, 0, 1, 2000 },
	{ "decision", JT_STR, 0, 1, 16 },
	{ "note", JT_TEXT, 0, 1, 5000 },
	{ "result", JT_STR, 0, 1, 16 },
	{ "satisfaction", JT_STR, 0, 1, 16 },
	{ "comment", JT_TEXT, 0, 1, 5000 },
	{ "source", JT_STR, 0, 1, 16 },
	{ "text", JT_TEXT, 0, 1, 5000 },
	{ "internal", JT_BOOL, 0, 0, 0 },
	{ "step", JT_STR, 0, 1, 16 },
	JFIELDS_END,
};

static int h_create(struct req *r)
{
	json_t *out = NULL;
	int rc = app_ticket_create(&r->ctx, r->body, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_list(struct req *r)
{
	struct ticket_query q = {
		.status = req_query(r, "status"),
		.kind = req_query(r, "kind"),
		.project_id = req_query(r, "project_id"),
		.owner_id = req_query(r, "owner_id"),
		.unowned = req_query(r, "unowned"),
		.overdue = req_query(r, "overdue"),
		.escalated = req_query(r, "escalated"),
		.q = req_query(r, "q"),
		.limit = req_query(r, "limit"),
		.cursor = req_query(r, "cursor"),
	};
	json_t *out = NULL;
	int rc = app_tickets_list(&r->ctx, &q, &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_get(struct req *r)
{
	json_t *out = NULL;
	int rc = app_ticket_get(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

static int h_act(struct req *r)
{
	json_t *out = NULL;
	int rc = app_ticket_act(&r->ctx, r->ids[0], r->body, &out, &r->err);
	return reply_result(r, rc, 200, out);
}

/* The body is the file itself, as fetch(url, {method: 'POST', body: file}) sends it. */
static int h_attach(struct req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
	size_t n = evbuffer_get_length(in);
	const void *p = n ? (const void *)evbuffer_pullup(in, -1) : (const void *)"";
	json_t *out = NULL;
	int rc = app_attachment_add(&r->ctx, r->ids[0], req_query(r, "name"), p, n, &out, &r->err);
	return reply_result(r, rc, 201, out);
}

static int h_attachments(struct req *r)
{
	json_t *out = NULL;
	int rc = app_attachments_list(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

/* filename="ascii fallback"; filename*=UTF-8''percent-encoded (RFC 6266). */
static char *disposition(const char *name)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "attachment; filename=\"");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		buf_addc(&b, *p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' ? '_' : (char)*p);
	buf_adds(&b, "\"; filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			buf_addc(&b, (char)*p);
		else
			buf_addf(&b, "%%%02X", *p);
	}
	return buf_detach(&b, NULL);
}

static int h_download(struct req *r)
{
	json_t *meta = NULL;
	int rc = app_attachment_read(&r->ctx, r->ids[0], r->ids[1], &meta, &r->raw, &r->err);
	if (rc < 0)
		return rc;
	/* served as a download of the type its content has, never rendered in our origin */
	const char *type = media_sniff((const uint8_t *)r->raw.s, r->raw.len);
	r->content_type = type ? type : "application/octet-stream";
	r->disposition = disposition(json_string_value(json_object_get(meta, "name")));
	r->status = 200;
	json_decref(meta);
	return 0;
}

/* Customers file requests on their projects; staff record them; core/ticket.c rules moves. */
const struct route api_tickets_routes[] = {
	{ "POST", "/api/v1/tickets", h_create, ROLES_TICKET_STAFF | ROLE_BIT(ROLE_CUSTOMER),
	  EXEC_WRITE, ticket_body, OBJ_NONE, 0 },
	{ "GET", "/api/v1/tickets", h_list, ROLES_ANY, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/tickets/{id}", h_get, ROLES_ANY, EXEC_READ, NULL, OBJ_TICKET, 0 },
	{ "POST", "/api/v1/tickets/{id}/actions", h_act, ROLES_ANY, EXEC_WRITE, action_body,
	  OBJ_TICKET, 0 },
	{ "POST", "/api/v1/tickets/{id}/attachments", h_attach,
	  ROLES_TICKET_STAFF | ROLE_BIT(ROLE_CUSTOMER), EXEC_POOL, NULL,
	  OBJ_TICKET, 0 },
	{ "GET", "/api/v1/tickets/{id}/attachments", h_attachments, ROLES_ANY, EXEC_READ, NULL,
	  OBJ_TICKET, 0 },
	{ "GET", "/api/v1/tickets/{id}/attachments/{attachment_id}", h_download, ROLES_ANY, EXEC_READ, NULL,
	  OBJ_TICKET, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
