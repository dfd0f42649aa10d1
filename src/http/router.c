/* router.c - one place that checks every request: route, sign-in, CSRF, role, scope, body */
#include "http.h"
#include "input.h"
#include "server.h"
#include "../lib/text.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>

#define COOKIE_NAME "kefu_session"

static const struct route *const *tables;
static const struct route *const all_tables[] = {
	api_session_routes, api_users_routes, api_customers_routes, api_projects_routes,
	api_system_routes, api_forms_routes, api_evaluations_routes, api_cases_routes,
	api_summaries_routes, api_tickets_routes, api_corrective_routes, NULL,
};

/* ---- metrics: counts by route and status, and one latency histogram ---- */

#define MAX_ROUTES 64
static const int statuses[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405, 409,
				413, 415, 422, 429, 500, 503 };
#define NSTATUS ((int)ARRAY_SIZE(statuses) + 1) /* the last counts any other status */
static const double buckets_s[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
				    0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5 };
#define NBUCKET ((int)ARRAY_SIZE(buckets_s))

static const struct route *route_list[MAX_ROUTES];
static int nroutes;
static uint64_t counts[MAX_ROUTES + 1][NSTATUS]; /* [nroutes] = static files and no route */
static uint64_t hist[NBUCKET + 1];
static uint64_t hist_sum_us;

/*
 * Seconds added to the wall clock for every request (KEFU_CLOCK_OFFSET): deadlines can be
 * tested and rehearsed without waiting a day. Unset in production.
 */
static int64_t clock_offset;

void router_init(void)
{
	const char *off = getenv("KEFU_CLOCK_OFFSET");
	clock_offset = off ? strtoll(off, NULL, 10) : 0;
	tables = all_tables;
	nroutes = 0;
	for (const struct route *const *t = tables; *t; t++)
		for (const struct route *rt = *t; rt->method; rt++) {
			if (nroutes == MAX_ROUTES)
				die("more than %d routes", MAX_ROUTES);
			route_list[nroutes++] = rt;
		}
}

static void count(int route_index, int status, uint64_t us)
{
	int s = NSTATUS - 1;
	for (int i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			s = i;
	__atomic_add_fetch(&counts[route_index][s], 1, __ATOMIC_RELAXED);
	int b = NBUCKET;
	for (int i = 0; i < NBUCKET; i++)
		if ((double)us / 1e6 <= buckets_s[i]) {
			b = i;
			break;
		}
	__atomic_add_fetch(&hist[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hist_sum_us, us, __ATOMIC_RELAXED);
}

void metrics_render(struct buf *b)
{
	buf_adds(b, "# HELP kefu_http_requests_total HTTP requests answered, by route and status.\n"
		    "# TYPE kefu_http_requests_total counter\n");
	for (int r = 0; r <= nroutes; r++)
		for (int s = 0; s < NSTATUS; s++) {
			uint64_t n = __atomic_load_n(&counts[r][s], __ATOMIC_RELAXED);
			if (!n)
				continue;
			char status[8];
			snprintf(status, sizeof(status), "%d", s < NSTATUS - 1 ? statuses[s] : 0);
			buf_addf(b, "kefu_http_requests_total{route=\"%s %s\",status=\"%s\"} %llu\n",
				 r < nroutes ? route_list[r]->method : "ANY",
				 r < nroutes ? route_list[r]->pattern : "other",
				 s < NSTATUS - 1 ? status : "other", (unsigned long long)n);
		}
	buf_adds(b, "# HELP kefu_http_request_duration_seconds Time from request to reply.\n"
		    "# TYPE kefu_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (int i = 0; i <= NBUCKET; i++) {
		cum += __atomic_load_n(&hist[i], __ATOMIC_RELAXED);
		if (i < NBUCKET)
			buf_addf(b, "kefu_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				 buckets_s[i], (unsigned long long)cum);
		else
			buf_addf(b, "kefu_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
				 (unsigned long long)cum);
	}
	buf_addf(b, "kefu_http_request_duration_seconds_sum %.6f\n",
		 (double)__atomic_load_n(&hist_sum_us, __ATOMIC_RELAXED) / 1e6);
	buf_addf(b, "kefu_http_request_duration_seconds_count %llu\n", (unsigned long long)cum);
}

/* ---- replies ---- */

static const struct {
	enum kf_err err;
	int status;
	const char *code;
} statuses_of[] = {
	{ KF_EINVAL, 400, "invalid" },	      { KF_EAUTH, 401, "unauthorized" },
	{ KF_EFORBID, 403, "forbidden" },     { KF_ENOTFOUND, 404, "not_found" },
	{ KF_ECONFLICT, 409, "conflict" },    { KF_ETOOBIG, 413, "too_large" },
	{ KF_EMEDIA, 415, "unsupported_media_type" }, { KF_ERULE, 422, "rule_violation" },
	{ KF_ELIMIT, 429, "rate_limited" },   { KF_EINTERNAL, 500, "internal" },
	{ KF_EBUSY, 503, "unavailable" },     { KF_EMETHOD, 405, "method_not_allowed" },
};

static int status_of(enum kf_err e, const char **code)
{
	for (size_t i = 0; i < ARRAY_SIZE(statuses_of); i++)
		if (statuses_of[i].err == e) {
			*code = statuses_of[i].code;
			return statuses_of[i].status;
		}
	*code = "internal";
	return 500;
}

int reply_json(struct req *r, int status, json_t *out)
{
	r->status = status;
	json_decref(r->out);
	r->out = out;
	return 0;
}

int reply_empty(struct req *r, int status)
{
	r->status = status;
	return 0;
}

int reply_result(struct req *r, int rc, int status, json_t *out)
{
	if (rc < 0) {
		json_decref(out);
		return rc;
	}
	return reply_json(r, status, out);
}

const char *req_query(struct req *r, const char *key)
{
	return evhttp_find_header(&r->query, key);
}

static int fail(struct req *r, enum kf_err e, const char *code, const char *field,
		const char *msg)
{
	return kf_fail(&r->err, e, code, field, "%s", msg);
}

/* ---- finishing: runs on the request's loop ---- */

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Every answer says nosniff; the page-level policies (framing, referrer, CSP) matter for
 * documents a browser renders, so JSON answers skip those four headers and their allocations.
 */
static void add_security_headers(struct evkeyvalq *h, bool document)
{
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (!document)
		return;
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'self'; img-src 'self' data: blob:; style-src 'self';"
			  " script-src 'self'; object-src 'none'; frame-ancestors 'none';"
			  " base-uri 'none'; form-action 'self'");
}

static void req_free(struct req *r)
{
	json_decref(r->body);
	json_decref(r->out);
	buf_release(&r->raw);
	evhttp_clear_headers(&r->query);
	free(r->path);
	free(r->set_cookie);
	free(r->disposition);
	free(r);
}

/* The size up to which a loop keeps its answer buffer (router_finish()). */
#define OUT_KEEP (256 * 1024)

/*
 * jansson writes many small pieces (every token); they go into one buffer, which then goes
 * into the reply at once: evbuffer_add() per token cost a tenth of a page.
 */
static int dump_to_buf(const char *buffer, size_t size, void *data)
{
	buf_add(data, buffer, size);
	return 0;
}

void router_finish(struct req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
	struct evbuffer *out = evbuffer_new();
	bool api = r->route ? !(r->route->flags & ROUTE_TEXT) : !strncmp(r->path, "/api/", 5);

	if (r->err.err < 0) {
		const char *code;
		r->status = status_of(r->err.err, &code);
		json_t *e = json_pack("{ss ss}", "code", r->err.code ? r->err.code : code, "message",
				      r->err.message[0] ? r->err.message : code);
		if (r->err.field[0])
			json_object_set_new(e, "field", json_string(r->err.field));
		json_decref(r->out);
		r->out = json_pack("{so}", "error", e);
		buf_reset(&r->raw);
		r->content_type = NULL;
		if (r->status == 500 || r->status == 503)
			fprintf(stderr, "kefu: %s %s: %s\n", r->method, r->path, r->err.message);
	}
	if (r->out) {
		/*
		 * Into the loop's buffer, kept between requests: a page's ~45 KB grown afresh and
		 * freed each time cost reallocations and glibc's consolidation of its free lists.
		 * One grown past OUT_KEEP (a large answer) is let go. Scores are tenths: 15
		 * significant digits print 6.3 as 6.3, never 6.2999999999999998.
		 */
		struct buf *b = loop_out(r->loop);
		buf_reset(b);
		json_dump_callback(r->out, dump_to_buf, b,
				   JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		evbuffer_add(out, b->s, b->len);
		if (b->cap > OUT_KEEP)
			buf_release(b);
		evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
	} else if (r->raw.len || r->content_type) {
		evbuffer_add(out, r->raw.s, r->raw.len);
		evhttp_add_header(h, "Content-Type", r->content_type);
	}
	if (api)
		evhttp_add_header(h, "Cache-Control", "no-store");
	add_security_headers(h, !r->out);
	if (r->set_cookie)
		evhttp_add_header(h, "Set-Cookie", r->set_cookie);
	if (r->extra_header[0])
		evhttp_add_header(h, r->extra_header[0], r->extra_header[1]);
	if (r->disposition && r->err.err == KF_OK)
		evhttp_add_header(h, "Content-Disposition", r->disposition);
	if (!r->status)
		r->status = 500;
	evhttp_send_reply(r->ev, r->status, NULL, out);
	evbuffer_free(out);

	uint64_t us = now_us() - r->t0_us;
	count(r->route ? r->route_index : nroutes, r->status, us);
	/* The path was decoded: keep control characters out of the log line. */
	for (char *p = r->path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	server_log(r->loop, "%s %s %d %lluus u=%lld\n", r->method, r->path, r->status,
		   (unsigned long long)us, (long long)r->ctx.who.user_id);
	req_free(r);
	server_inflight_add(-1);
}

static int parse_body(struct req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
	size_t len = evbuffer_get_length(in);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->ev),
					    "Content-Type");
	if (len > INPUT_JSON_MAX)
		return fail(r, KF_ETOOBIG, "too_large", NULL, "the body is larger than 1 MiB");
	if (!ct || strncasecmp(ct, "application/json", 16) ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' '))
		return fail(r, KF_EMEDIA, "unsupported_media_type", NULL,
			    "send the body as Content-Type: application/json");
	const char *data = (const char *)evbuffer_pullup(in, -1);
	int rc = input_parse_json(data, len, &r->body, &r->err);
	if (rc == 0)
		rc = input_check_body(r->body, r->route->body, !strcmp(r->method, "PATCH"), &r->err);
	return rc;
}

/* ---- authentication ---- */

static int authenticate(struct req *r)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(r->ev);
	const char *authz = evhttp_find_header(in, "Authorization");
	char token[TOKEN_CHARS + 8];
	bool is_session = false;
	if (authz && !strncasecmp(authz, "Bearer ", 7)) {
		snprintf(token, sizeof(token), "%s", authz + 7);
	} else if (input_cookie(evhttp_find_header(in, "Cookie"), COOKIE_NAME, token,
				sizeof(token))) {
		r->via_cookie = true;
	} else {
		return 0;
	}
	int rc = auth_resolve(r->ctx.db, token, r->ctx.now, &r->ctx.who, &is_session, r->csrf);
	if (rc < 0)
		return rc == KF_EAUTH ? 0 : fail(r, rc, "db_error", NULL, "database error");
	/* A session token in a Bearer header is still a session: it needs its CSRF check. */
	if (is_session) {
		r->via_cookie = true;
		snprintf(r->session, sizeof(r->session), "%s", token);
	}
	r->authed = true;
	return 0;
}

/* ---- matching ---- */

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	default: return "OTHER";
	}
}

static bool visible(struct req *r)
{
	switch (r->route->obj) {
	case OBJ_PROJECT:
		return app_project_visible(&r->ctx, r->ids[0]);
	case OBJ_CUSTOMER:
		return app_customer_visible(&r->ctx, r->ids[0]);
	case OBJ_EVALUATION:
		return app_evaluation_visible(&r->ctx, r->ids[0]);
	case OBJ_CASE:
		return app_case_visible(&r->ctx, r->ids[0]);
	case OBJ_REVIEW:
		return app_review_visible(&r->ctx, r->ids[0]);
	case OBJ_TICKET:
		return app_ticket_visible(&r->ctx, r->ids[0]);
	default:
		return true;
	}
}

void router_run(struct req *r)
{
	kf_error_clear(&r->err);
	int rc = r->route->fn(r);
	if (rc < 0 && r->err.err == KF_OK)
		kf_fail(&r->err, rc, NULL, NULL, "request failed");
	if (rc < 0)
		r->err.err = rc;
}

/* Everything up to the handler; returns false when r already holds its (error) answer. */
static bool admit(struct req *r)
{
	bool api = !strncmp(r->path, "/api/", 5);
	bool path_matched = false;
	for (int i = 0; i < nroutes; i++) {
		const struct route *rt = route_list[i];
		if (!input_match(rt->pattern, r->path, r->ids, MAX_PATH_IDS))
			continue;
		path_matched = true;
		if (!strcmp(rt->method, r->method) ||
		    (!strcmp(r->method, "HEAD") && !strcmp(rt->method, "GET"))) {
			r->route = rt;
			r->route_index = i;
			break;
		}
	}
	if (!r->route) {
		if (path_matched) {
			fail(r, KF_EMETHOD, "method_not_allowed", NULL, "method not allowed here");
			return false;
		}
		if (!api && (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))) {
			static_serve(r);
			return false;
		}
		fail(r, KF_ENOTFOUND, "not_found", NULL, "no such path");
		return false;
	}
	if (authenticate(r) < 0)
		return false;
	const struct route *rt = r->route;
	if (!(rt->flags & ROUTE_PUBLIC) && !r->authed) {
		fail(r, KF_EAUTH, "unauthorized", NULL, "sign in first");
		return false;
	}
	bool changes = strcmp(r->method, "GET") && strcmp(r->method, "HEAD");
	if (changes && r->via_cookie && r->authed && !(rt->flags & ROUTE_NO_CSRF)) {
		const char *t = evhttp_find_header(evhttp_request_get_input_headers(r->ev),
						   "X-CSRF-Token");
		if (!t || !r->csrf[0] || !auth_secret_equal(t, r->csrf)) {
			fail(r, KF_EFORBID, "csrf", "X-CSRF-Token",
			     "missing or wrong X-CSRF-Token header");
			return false;
		}
	}
	/*
	 * Not visible is 404 before any 403, so ids cannot be probed. A read the role may make
	 * skips this query: every read handler fetches through the caller's scope and answers
	 * 404 itself.
	 */
	bool allowed = (rt->flags & ROUTE_PUBLIC) || (rt->roles & ROLE_BIT(r->ctx.who.role));
	if (r->authed && rt->obj != OBJ_NONE && !(allowed && rt->exec == EXEC_READ) && !visible(r)) {
		fail(r, KF_ENOTFOUND, "not_found", NULL, "not found");
		return false;
	}
	if (!allowed) {
		fail(r, KF_EFORBID, "forbidden", NULL, "your role may not do this");
		return false;
	}
	if (rt->body && parse_body(r) < 0)
		return false;
	return true;
}

void router_dispatch(struct loop *loop, struct evhttp_request *ev)
{
	struct req *r = xcalloc(1, sizeof(*r));
	server_inflight_add(1);
	r->t0_us = now_us();
	r->ev = ev;
	r->loop = loop;
	r->route_index = -1;
	buf_init(&r->raw);
	TAILQ_INIT(&r->query);
	r->method = method_name(evhttp_request_get_command(ev));
	r->ctx.db = loop_db(loop);
	r->ctx.now = time(NULL) + clock_offset;

	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
	size_t plen = 0;
	r->path = evhttp_uridecode(raw_path && *raw_path ? raw_path : "/", 0, &plen);
	if (!r->path)
		r->path = xstrdup("/");
	/* "%00" decodes to a NUL that would cut the path short: no such path. */
	bool nul_in_path = strlen(r->path) != plen;
	const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
	/* A decoded "%00" would silently cut a parameter short: refuse it. */
	if (q && (evhttp_parse_query_str(q, &r->query) < 0 || strcasestr(q, "%00"))) {
		fail(r, KF_EINVAL, "invalid", "query", "malformed query string");
		router_finish(r);
		return;
	}
	struct evhttp_connection *conn = evhttp_request_get_connection(ev);
	char *host = NULL;
	ev_uint16_t port = 0;
	if (conn)
		evhttp_connection_get_peer(conn, &host, &port);
	snprintf(r->addr, sizeof(r->addr), "%s", host ? host : "?");
	const char *proto = evhttp_find_header(evhttp_request_get_input_headers(ev),
					       "X-Forwarded-Proto");
	r->https = proto && !strcasecmp(proto, "https");

	if (nul_in_path) {
		fail(r, KF_ENOTFOUND, "not_found", NULL, "no such path");
		router_finish(r);
		return;
	}
	/* Sign-in check, scope check and a read handler share one read transaction. */
	db_read_begin(r->ctx.db);
	bool admitted = admit(r);
	if (admitted && r->route->exec == EXEC_READ)
		router_run(r);
	db_read_end(r->ctx.db);
	if (admitted && r->route->exec != EXEC_READ)
		server_submit(r);
	else
		router_finish(r);
}
