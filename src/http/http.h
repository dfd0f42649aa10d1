/* http.h - the request type, route tables and reply helpers every api-*.c uses */
#ifndef KF_HTTP_H
#define KF_HTTP_H

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "../app/app.h"
#include "../lib/buf.h"

/* Where a route's handler runs (see server.c for why). */
enum exec {
	EXEC_READ,  /* on the event loop, with the loop's read connection */
	EXEC_WRITE, /* on the writer thread, inside the group-commit transaction */
	EXEC_POOL,  /* on a worker thread with its own connection: slow work (argon2id) */
};

/* The object an {id} in the path names; the router 404s ids the caller may not see. */
enum obj_kind { OBJ_NONE, OBJ_PROJECT, OBJ_CUSTOMER, OBJ_EVALUATION, OBJ_CASE, OBJ_REVIEW,
		OBJ_TICKET };

enum route_flags {
	ROUTE_PUBLIC = 1 << 0, /* no sign-in needed */
	ROUTE_NO_CSRF = 1 << 1, /* state-changing but exempt (sign-in itself) */
	ROUTE_TEXT = 1 << 2,   /* not under /api: errors need not be JSON */
};

/* Shape of a JSON body member, checked by the router before the handler runs. */
enum jtype {
	JT_STR,  /* one line of text */
	JT_TEXT, /* text that may span lines */
	JT_ID,   /* positive integer id */
	JT_BOOL,
	JT_IDS,  /* array of distinct positive integer ids */
	JT_ARRAY, /* array of anything, at most max elements; the use case checks the rest */
	JT_INT,   /* any integer; the use case checks its range */
};
enum jfield_flags {
	JF_REQUIRED = 1 << 0,
	JF_NULL = 1 << 1, /* null is accepted (clears an optional value) */
};
struct jfield {
	const char *name;
	enum jtype type;
	unsigned flags;
	unsigned min, max; /* characters for text, elements for arrays; 0 = no bound */
};
#define JFIELDS_END { NULL, 0, 0, 0, 0 }

struct req;
typedef int (*handler_fn)(struct req *r);

/*
 * One row per route: method and path pattern first ("{id}" matches a positive integer id),
 * then the handler, the roles allowed (ROLE_BIT mask), where it runs, the body shape (NULL:
 * no body), the object kind of {id}, and flags.
 */
struct route {
	const char *method;
	const char *pattern;
	handler_fn fn;
	unsigned roles;
	enum exec exec;
	const struct jfield *body;
	enum obj_kind obj;
	unsigned flags;
};

#define MAX_PATH_IDS 2

struct loop;

struct req {
	struct evhttp_request *ev;
	struct loop *loop;
	const struct route *route;
	int route_index;
	const char *method;
	char *path; /* decoded */
	struct evkeyvalq query;
	int64_t ids[MAX_PATH_IDS];
	json_t *body;

	/* who is asking */
	struct app_ctx ctx; /* db, who, now */
	bool authed;
	bool via_cookie;
	char session[TOKEN_CHARS + 8];
	char csrf[64];
	char addr[64];
	bool https; /* behind a TLS proxy that says X-Forwarded-Proto: https */

	/* the answer */
	int status;
	json_t *out;
	struct buf raw; /* a non-JSON body */
	const char *content_type;
	char *set_cookie;
	char *disposition; /* Content-Disposition of a download (malloc'd) */
	const char *extra_header[2]; /* name, value */
	char extra_value[64];
	struct kf_error err;

	uint64_t t0_us;
	struct req *next; /* queue link */
};

/* Reply helpers: set the answer and return 0, so handlers end with `return reply(...)`. */
int reply_json(struct req *r, int status, json_t *out);
int reply_empty(struct req *r, int status);
/* A use case's result: its JSON with status on success, else its error. */
int reply_result(struct req *r, int rc, int status, json_t *out);
/* First query parameter named key, or NULL. */
const char *req_query(struct req *r, const char *key);

/* Route tables, each ending with a row whose method is NULL. */
extern const struct route api_session_routes[];
extern const struct route api_users_routes[];
extern const struct route api_customers_routes[];
extern const struct route api_projects_routes[];
extern const struct route api_system_routes[];
extern const struct route api_forms_routes[];
extern const struct route api_evaluations_routes[];
extern const struct route api_cases_routes[];
extern const struct route api_summaries_routes[];
extern const struct route api_tickets_routes[];
extern const struct route api_corrective_routes[];

/* router.c */
void router_init(void);
/* Handle a request arriving on a loop (takes ownership of the evhttp request). */
void router_dispatch(struct loop *loop, struct evhttp_request *ev);
/* Finish r on its loop thread: send the reply, log, count, free. */
void router_finish(struct req *r);
/* Run the handler of r on the current thread with r->ctx.db set. */
void router_run(struct req *r);
/* Prometheus text of the request counters into b. */
void metrics_render(struct buf *b);

/* static.c */
void static_serve(struct req *r);

#endif
