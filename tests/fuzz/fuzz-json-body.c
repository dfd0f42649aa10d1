/*
 * fuzz-json-body.c - request body bytes -> input_parse_json -> input_check_body against the
 * body shapes of src/http/api-*.c (copied here) and the real route tables' shapes, partial and
 * not. Checks that a body the checker accepts really has the promised shape.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "http/input.h"
#include "lib/text.h"

static const struct jfield customer_body[] = {
	{ "name", JT_STR, JF_REQUIRED, 1, 100 },   { "contact", JT_STR, JF_NULL, 0, 50 },
	{ "phone", JT_STR, JF_NULL, 0, 30 },       { "email", JT_STR, JF_NULL, 0, 100 },
	{ "address", JT_TEXT, JF_NULL, 0, 200 },   JFIELDS_END,
};
static const struct jfield project_body[] = {
	{ "code", JT_STR, JF_REQUIRED, 1, 32 },     { "name", JT_STR, JF_REQUIRED, 1, 100 },
	{ "customer_id", JT_ID, JF_REQUIRED, 0, 0 }, { "manager_id", JT_ID, JF_NULL, 0, 0 },
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
static const struct jfield session_body[] = {
	{ "username", JT_STR, JF_REQUIRED, 1, 64 },
	{ "password", JT_TEXT, JF_REQUIRED, 1, 256 },
	JFIELDS_END,
};
static const struct jfield user_patch[] = {
	{ "name", JT_STR, 0, 1, 50 },
	{ "role", JT_STR, 0, 1, 16 },
	{ "password", JT_TEXT, 0, 1, 256 },
	{ "customer_id", JT_ID, JF_NULL, 0, 0 },
	{ "project_ids", JT_IDS, 0, 0, 1000 },
	{ "active", JT_BOOL, 0, 0, 0 },
	JFIELDS_END,
};

static const struct jfield *const local_specs[] = { customer_body, project_body, members_body,
						    event_body,    session_body, user_patch };

/* What input_check_body() promises about body when it returns 0. */
static void check_accepted(json_t *body, const struct jfield *spec, bool partial)
{
	assert(json_is_object(body));
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		const struct jfield *f = spec;
		while (f->name && strcmp(f->name, key))
			f++;
		assert(f->name); /* no unknown member */
	}
	for (const struct jfield *f = spec; f->name; f++) {
		v = json_object_get(body, f->name);
		if (!v) {
			assert(partial || !(f->flags & JF_REQUIRED));
			continue;
		}
		if (json_is_null(v)) {
			assert(f->flags & JF_NULL);
			continue;
		}
		switch (f->type) {
		case JT_STR:
		case JT_TEXT: {
			assert(json_is_string(v));
			const char *s = json_string_value(v);
			size_t len = json_string_length(v);
			assert(strlen(s) == len); /* no NUL inside */
			assert(utf8_valid(s, len));
			assert(text_clean(s, f->type == JT_TEXT));
			size_t n = utf8_chars(s);
			assert(!f->min || n >= f->min);
			assert(!f->max || n <= f->max);
			break;
		}
		case JT_ID:
			assert(json_is_integer(v) && json_integer_value(v) > 0);
			break;
		case JT_BOOL:
			assert(json_is_boolean(v));
			break;
		case JT_IDS: {
			assert(json_is_array(v));
			size_t n = json_array_size(v);
			assert(!f->max || n <= f->max);
			for (size_t i = 0; i < n; i++) {
				json_t *e = json_array_get(v, i);
				assert(json_is_integer(e) && json_integer_value(e) > 0);
				for (size_t k = 0; k < i; k++)
					assert(json_integer_value(json_array_get(v, k)) !=
					       json_integer_value(e));
			}
			break;
		}
		case JT_ARRAY:
			assert(json_is_array(v));
			assert(!f->max || json_array_size(v) <= f->max);
			break;
		case JT_INT:
			assert(json_is_integer(v));
			break;
		}
	}
}

static void run_spec(json_t *body, const struct jfield *spec)
{
	for (int partial = 0; partial < 2; partial++) {
		struct kf_error err;
		kf_error_clear(&err);
		int rc = input_check_body(body, spec, partial, &err);
		if (rc == 0) {
			check_accepted(body, spec, partial);
		} else {
			assert(rc == KF_EINVAL);
			assert(err.err == rc && err.code && err.message[0]);
		}
		/* whatever a full body passes, a partial one passes too */
		if (!partial && rc == 0)
			assert(input_check_body(body, spec, true, NULL) == 0);
	}
}

static const struct route *const *tables(void)
{
	static const struct route *const t[] = { api_session_routes, api_users_routes,
						 api_customers_routes, api_projects_routes,
						 api_system_routes, NULL };
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = NULL;
	struct kf_error err;
	kf_error_clear(&err);
	int rc = input_parse_json((const char *)data, size, &body, &err);
	if (rc != 0) {
		assert(body == NULL);
		assert(rc == KF_EINVAL || (rc == KF_ETOOBIG && size > INPUT_JSON_MAX));
		assert(err.err == rc && err.code);
		return 0;
	}
	assert(body);
	for (size_t i = 0; i < sizeof(local_specs) / sizeof(local_specs[0]); i++)
		run_spec(body, local_specs[i]);
	for (const struct route *const *t = tables(); *t; t++)
		for (const struct route *r = *t; r->method; r++)
			if (r->body)
				run_spec(body, r->body);
	json_decref(body);
	return 0;
}
