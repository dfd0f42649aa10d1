/* input.h - parsers of untrusted request bytes, free of libevent so they can be fuzzed */
#ifndef KF_INPUT_H
#define KF_INPUT_H

#include <jansson.h>

#include "../lib/util.h"

struct jfield;

#define INPUT_JSON_MAX (1024 * 1024)

/*
 * Parse a JSON request body of len bytes (not NUL-terminated). jansson refuses invalid
 * UTF-8 and duplicate keys; "\u0000" inside a string value is let through so that
 * input_check_body() can refuse it naming the field. On success *out is a new reference;
 * else err says why (KF_ETOOBIG over INPUT_JSON_MAX, KF_EINVAL "invalid_json").
 */
int input_parse_json(const char *data, size_t len, json_t **out, struct kf_error *err);

/*
 * Check body against spec: an object, no unknown members, required members present (unless
 * partial, as for PATCH), each of the declared type and within its bounds, text free of
 * NUL and control characters. Fails with KF_EINVAL and the member named in err->field.
 */
int input_check_body(json_t *body, const struct jfield *spec, bool partial,
		     struct kf_error *err);

/* Value of cookie name in a Cookie header into out (n bytes); NULL when absent or too long. */
const char *input_cookie(const char *header, const char *name, char *out, size_t n);

/*
 * Match a decoded path against a route pattern, where "{name}" matches one segment holding a
 * positive integer id; fills ids (at most max) in order.
 */
bool input_match(const char *pattern, const char *path, int64_t *ids, int max);

#endif
