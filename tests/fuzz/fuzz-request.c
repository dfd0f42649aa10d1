/*
 * fuzz-request.c - the untrusted parts of a request line and headers. The input is split at
 * its first two '\n' into a decoded path, a query string and a Cookie header; the path is
 * matched against every pattern of the real route tables, the query parsed by libevent, the
 * cookie looked up.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http/http.h"
#include "http/input.h"

/* Rebuild the path from pattern and ids: a match must give back exactly the path. */
static void check_match(const char *pattern, const char *path, const int64_t *ids, int nids)
{
	char buf[4096];
	size_t n = 0;
	int k = 0;
	for (const char *p = pattern; *p;) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			assert(e && k < nids);
			assert(ids[k] >= 1 && ids[k] <= (INT64_C(1) << 53));
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%" PRId64, ids[k++]);
			p = e + 1;
		} else {
			buf[n++] = *p++;
		}
		assert(n < sizeof(buf));
	}
	buf[n] = '\0';
	assert(!strcmp(buf, path));
}

static void match_all(const char *path)
{
	static const struct route *const tables[] = { api_session_routes, api_users_routes,
						      api_customers_routes, api_projects_routes,
						      api_system_routes };
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct route *r = tables[t]; r->method; r++) {
			int64_t ids[MAX_PATH_IDS] = { 0, 0 };
			if (input_match(r->pattern, path, ids, MAX_PATH_IDS))
				check_match(r->pattern, path, ids, MAX_PATH_IDS);
		}
	}
	/* and a pattern with two ids */
	int64_t ids[MAX_PATH_IDS] = { 0, 0 };
	const char *two = "/api/v1/projects/{id}/members/{user_id}";
	if (input_match(two, path, ids, MAX_PATH_IDS))
		check_match(two, path, ids, MAX_PATH_IDS);
	assert(!input_match(two, path, ids, 1));
}

static void cookies(const char *header)
{
	static const char *const names[] = { "kefu_session", "a", "kefu" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char out[TOKEN_CHARS + 8];
		const char *v = input_cookie(header, names[i], out, sizeof(out));
		if (v) {
			assert(v == out);
			size_t vl = strlen(v);
			assert(vl < sizeof(out));
			assert(!strchr(v, ';'));
			/* name=value is in the header */
			char pair[sizeof(out) + 16];
			snprintf(pair, sizeof(pair), "%s=%s", names[i], v);
			assert(strstr(header, pair));
		}
		char tiny[1];
		v = input_cookie(header, names[i], tiny, sizeof(tiny));
		assert(!v || tiny[0] == '\0');
	}
}

static void query(const char *q)
{
	struct evkeyvalq h;
	TAILQ_INIT(&h);
	if (evhttp_parse_query_str(q, &h) == 0) {
		struct evkeyval *kv;
		TAILQ_FOREACH(kv, &h, next) {
			assert(kv->key && kv->value);
		}
		(void)evhttp_find_header(&h, "q");
	}
	evhttp_clear_headers(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	char *path = s, *q = "", *cookie = "";
	char *nl = memchr(s, '\n', size);
	if (nl) {
		*nl = '\0';
		q = nl + 1;
		char *nl2 = strchr(q, '\n');
		if (nl2) {
			*nl2 = '\0';
			cookie = nl2 + 1;
		}
	}
	match_all(path);
	query(q);
	cookies(cookie);
	free(s);
	return 0;
}
