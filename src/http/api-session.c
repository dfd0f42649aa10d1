/* api-session.c - sign in, sign out, and who am I */
#include "http.h"
#include "../store/store.h"

#include <stdio.h>
#include <string.h>

#define COOKIE "kefu_session"

static const struct jfield session_body[] = {
	{ "username", JT_STR, JF_REQUIRED, 1, 64 },
	{ "password", JT_TEXT, JF_REQUIRED, 1, 256 },
	JFIELDS_END,
};

static json_t *me(struct req *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "user", app_me(&r->ctx));
	json_object_set_new(o, "csrf_token", r->csrf[0] ? json_string(r->csrf) : json_null());
	return o;
}

static int h_login(struct req *r)
{
	const char *username = json_string_value(json_object_get(r->body, "username"));
	const char *password = json_string_value(json_object_get(r->body, "password"));
	int retry = 0;
	if (!ratelimit_allow("user", username, r->ctx.now, &retry) ||
	    !ratelimit_allow("addr", r->addr, r->ctx.now, &retry)) {
		r->extra_header[0] = "Retry-After";
		snprintf(r->extra_value, sizeof(r->extra_value), "%d", retry);
		r->extra_header[1] = r->extra_value;
		return kf_fail(&r->err, KF_ELIMIT, "rate_limited", NULL,
			       "too many failed sign-ins; try again in %d seconds", retry);
	}
	int rc = auth_check_password(r->ctx.db, username, password, &r->ctx.who, &r->err);
	if (rc == KF_EAUTH) {
		ratelimit_fail("user", username, r->ctx.now);
		ratelimit_fail("addr", r->addr, r->ctx.now);
	}
	if (rc < 0)
		return rc;
	ratelimit_reset("user", username);
	char token[TOKEN_CHARS];
	if ((rc = auth_session_create(r->ctx.db, &r->ctx.who, r->ctx.now, token, r->csrf)) < 0)
		return kf_fail(&r->err, rc, "db_error", NULL, "cannot start a session");
	r->set_cookie = xasprintf(COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
				  token, SESSION_SECONDS, r->https ? "; Secure" : "");
	return reply_json(r, 201, me(r));
}

static int h_logout(struct req *r)
{
	if (r->session[0]) {
		int rc = auth_session_delete(r->ctx.db, r->session);
		if (rc < 0)
			return kf_fail(&r->err, rc, "db_error", NULL, "cannot end the session");
	}
	r->set_cookie = xstrdup(COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	return reply_empty(r, 204);
}

static int h_me(struct req *r)
{
	return reply_json(r, 200, me(r));
}

const struct route api_session_routes[] = {
	{ "POST", "/api/v1/session", h_login, ROLES_ANY, EXEC_POOL, session_body, OBJ_NONE,
	  ROUTE_PUBLIC | ROUTE_NO_CSRF },
	{ "DELETE", "/api/v1/session", h_logout, ROLES_ANY, EXEC_WRITE, NULL, OBJ_NONE, 0 },
	{ "GET", "/api/v1/me", h_me, ROLES_ANY, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
