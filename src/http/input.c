/* input.c - checking request bodies, cookies and paths */
#include "input.h"
#include "http.h"
#include "../lib/text.h"

#include <string.h>

int input_parse_json(const char *data, size_t len, json_t **out, struct kf_error *err)
{
	*out = NULL;
	if (len > INPUT_JSON_MAX)
		return kf_fail(err, KF_ETOOBIG, "too_large", NULL, "the body is larger than 1 MiB");
	json_error_t jerr;
	/* NUL inside strings is let through here so that the check below can name the field. */
	*out = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!*out)
		return kf_fail(err, KF_EINVAL, "invalid_json", NULL, "malformed JSON: %s",
			       jerr.text);
	return 0;
}

static int check_text(const struct jfield *f, json_t *v, struct kf_error *err)
{
	const char *s = json_string_value(v);
	size_t n = utf8_chars(s);
	if (strlen(s) != json_string_length(v) || !text_clean(s, f->type == JT_TEXT))
		return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s contains control characters",
			       f->name);
	if (f->min && n < f->min)
		return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s must not be empty", f->name);
	if (f->max && n > f->max)
		return kf_fail(err, KF_EINVAL, "too_long", f->name,
			       "%s is longer than %u characters", f->name, f->max);
	return 0;
}

static int check_ids(const struct jfield *f, json_t *v, struct kf_error *err)
{
	if (f->max && json_array_size(v) > f->max)
		return kf_fail(err, KF_EINVAL, "too_long", f->name, "%s has more than %u items",
			       f->name, f->max);
	if (json_array_size(v) < f->min)
		return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s needs at least %u id%s",
			       f->name, f->min, f->min == 1 ? "" : "s");
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_integer(e) || json_integer_value(e) <= 0)
			return kf_fail(err, KF_EINVAL, "invalid", f->name,
				       "%s must hold positive integer ids", f->name);
		for (size_t k = 0; k < i; k++)
			if (json_integer_value(json_array_get(v, k)) == json_integer_value(e))
				return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s repeats id %lld",
					       f->name, (long long)json_integer_value(e));
	}
	return 0;
}

static int check_member(const struct jfield *f, json_t *v, struct kf_error *err)
{
	switch (f->type) {
	case JT_STR:
	case JT_TEXT:
		if (!json_is_string(v))
			return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s must be a string",
				       f->name);
		return check_text(f, v, err);
	case JT_ID:
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return kf_fail(err, KF_EINVAL, "invalid", f->name,
				       "%s must be a positive integer id", f->name);
		return 0;
	case JT_BOOL:
		if (!json_is_boolean(v))
			return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s must be true or false",
				       f->name);
		return 0;
	case JT_INT:
		if (!json_is_integer(v))
			return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s must be an integer",
				       f->name);
		return 0;
	case JT_ARRAY:
		if (!json_is_array(v))
			return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s must be an array",
				       f->name);
		if (f->max && json_array_size(v) > f->max)
			return kf_fail(err, KF_EINVAL, "too_long", f->name,
				       "%s has more than %u items", f->name, f->max);
		return 0;
	case JT_IDS:
		if (!json_is_array(v))
			return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s must be an array of ids",
				       f->name);
		return check_ids(f, v, err);
	}
	return 0;
}

int input_check_body(json_t *body, const struct jfield *spec, bool partial,
		     struct kf_error *err)
{
	if (!json_is_object(body))
		return kf_fail(err, KF_EINVAL, "invalid_json", NULL, "the body must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		const struct jfield *f = spec;
		while (f->name && strcmp(f->name, key))
			f++;
		if (!f->name)
			return kf_fail(err, KF_EINVAL, "unknown_field", key, "unknown field '%.40s'",
				       key);
	}
	for (const struct jfield *f = spec; f->name; f++) {
		v = json_object_get(body, f->name);
		if (!v) {
			if ((f->flags & JF_REQUIRED) && !partial)
				return kf_fail(err, KF_EINVAL, "missing_field", f->name,
					       "%s is required", f->name);
			continue;
		}
		if (json_is_null(v)) {
			if (f->flags & JF_NULL)
				continue;
			return kf_fail(err, KF_EINVAL, "invalid", f->name, "%s must not be null",
				       f->name);
		}
		int rc = check_member(f, v, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

const char *input_cookie(const char *header, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	for (const char *p = header; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			size_t vl = len - nl - 1;
			if (vl >= n)
				return NULL;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return out;
		}
		p = end;
	}
	return NULL;
}

bool input_match(const char *pattern, const char *path, int64_t *ids, int max)
{
	int nid = 0;
	while (*pattern && *path) {
		if (*pattern == '{') {
			const char *pe = strchr(pattern, '}');
			const char *se = strchr(path, '/');
			size_t len = se ? (size_t)(se - path) : strlen(path);
			char seg[24];
			if (!pe || len == 0 || len >= sizeof(seg) || nid == max)
				return false;
			memcpy(seg, path, len);
			seg[len] = '\0';
			if (!parse_id(seg, &ids[nid++]))
				return false;
			pattern = pe + 1;
			path += len;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return !*pattern && !*path;
}
