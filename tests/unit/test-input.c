/* test-input.c - checking untrusted request bodies, cookies and paths (src/http/input.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/http.h"
#include "http/input.h"

/* A spec with one member of every type, like the route bodies of src/http/api-*.c. */
static const struct jfield spec[] = {
	{ "name", JT_STR, JF_REQUIRED, 1, 100 },
	{ "note", JT_TEXT, JF_NULL, 0, 500 },
	{ "customer_id", JT_ID, JF_REQUIRED, 0, 0 },
	{ "manager_id", JT_ID, JF_NULL, 0, 0 },
	{ "active", JT_BOOL, 0, 0, 0 },
	{ "user_ids", JT_IDS, 0, 0, 3 },
	JFIELDS_END,
};

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	return j;
}

/* Check text against spec; return the result and leave the error in *err. */
static int check(const char *text, bool partial, struct kf_error *err)
{
	json_t *j = parse(text);
	kf_error_clear(err);
	int rc = input_check_body(j, spec, partial, err);
	json_decref(j);
	return rc;
}

static void ok(const char *text, bool partial)
{
	struct kf_error err;
	int rc = check(text, partial, &err);
	if (rc != 0)
		fail_msg("%s refused: %s %s %s", text, err.code, err.field, err.message);
}

static void bad(const char *text, bool partial, const char *code, const char *field)
{
	struct kf_error err;
	int rc = check(text, partial, &err);
	if (rc != KF_EINVAL)
		fail_msg("%s: got %d, expected KF_EINVAL", text, rc);
	assert_int_equal(err.err, KF_EINVAL);
	assert_non_null(err.code);
	if (strcmp(err.code, code) || strcmp(err.field, field))
		fail_msg("%s: got %s on '%s', expected %s on '%s'", text, err.code, err.field, code,
			 field);
}

static void test_body_ok(void **state)
{
	(void)state;
	ok("{\"name\":\"朝阳实验小学\",\"customer_id\":1}", false);
	ok("{\"name\":\"x\",\"customer_id\":9007199254740992,\"note\":\"a\\nb\\r\\n\\tc\","
	   "\"manager_id\":7,\"active\":false,\"user_ids\":[1,2,3]}",
	   false);
	ok("{}", true);
	ok("{\"active\":true}", true);
	ok("{\"user_ids\":[]}", true);
}

static void test_body_unknown(void **state)
{
	(void)state;
	bad("{\"name\":\"x\",\"customer_id\":1,\"bogus\":1}", false, "unknown_field", "bogus");
	bad("{\"bogus\":null}", true, "unknown_field", "bogus");
	/* case matters */
	bad("{\"Name\":\"x\",\"customer_id\":1}", false, "unknown_field", "Name");
	/* a prefix of a known name is unknown */
	bad("{\"nam\":\"x\"}", true, "unknown_field", "nam");
	bad("{\"name_\":\"x\"}", true, "unknown_field", "name_");
	bad("{\"\":1}", true, "unknown_field", "");
}

static void test_body_required(void **state)
{
	(void)state;
	bad("{\"customer_id\":1}", false, "missing_field", "name");
	bad("{\"name\":\"x\"}", false, "missing_field", "customer_id");
	bad("{}", false, "missing_field", "name");
	/* partial (PATCH) ignores required */
	ok("{\"customer_id\":1}", true);
	ok("{\"name\":\"x\"}", true);
	/* but still checks what is there */
	bad("{\"name\":\"\"}", true, "invalid", "name");
}

static void test_body_null(void **state)
{
	(void)state;
	ok("{\"name\":\"x\",\"customer_id\":1,\"manager_id\":null,\"note\":null}", false);
	ok("{\"manager_id\":null}", true);
	bad("{\"name\":null,\"customer_id\":1}", false, "invalid", "name");
	bad("{\"name\":null}", true, "invalid", "name");
	bad("{\"customer_id\":null}", true, "invalid", "customer_id");
	bad("{\"active\":null}", true, "invalid", "active");
	bad("{\"user_ids\":null}", true, "invalid", "user_ids");
}

static void test_body_types(void **state)
{
	(void)state;
	bad("{\"name\":5}", true, "invalid", "name");
	bad("{\"name\":true}", true, "invalid", "name");
	bad("{\"name\":[\"x\"]}", true, "invalid", "name");
	bad("{\"name\":{}}", true, "invalid", "name");
	bad("{\"note\":1}", true, "invalid", "note");
	bad("{\"customer_id\":\"1\"}", true, "invalid", "customer_id");
	bad("{\"customer_id\":1.0}", true, "invalid", "customer_id");
	bad("{\"customer_id\":1.5}", true, "invalid", "customer_id");
	bad("{\"customer_id\":0}", true, "invalid", "customer_id");
	bad("{\"customer_id\":-3}", true, "invalid", "customer_id");
	bad("{\"customer_id\":true}", true, "invalid", "customer_id");
	bad("{\"manager_id\":[1]}", true, "invalid", "manager_id");
	bad("{\"active\":1}", true, "invalid", "active");
	bad("{\"active\":\"true\"}", true, "invalid", "active");
	bad("{\"user_ids\":1}", true, "invalid", "user_ids");
	bad("{\"user_ids\":{\"1\":1}}", true, "invalid", "user_ids");
	bad("{\"user_ids\":\"1,2\"}", true, "invalid", "user_ids");
}

static char *repeat(const char *unit, int n)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * (size_t)n + 1);
	for (int i = 0; i < n; i++)
		memcpy(s + ul * (size_t)i, unit, ul);
	s[ul * (size_t)n] = '\0';
	return s;
}

static int check_name(const char *value, struct kf_error *err)
{
	json_t *j = json_pack("{ss sI}", "name", value, "customer_id", (json_int_t)1);
	assert_non_null(j);
	kf_error_clear(err);
	int rc = input_check_body(j, spec, false, err);
	json_decref(j);
	return rc;
}

static void test_body_length_counts_characters(void **state)
{
	(void)state;
	struct kf_error err;
	char *zh100 = repeat("中", 100), *zh101 = repeat("中", 101);
	char *a100 = repeat("a", 100), *a101 = repeat("a", 101);
	assert_int_equal(strlen(zh100), 300); /* 300 bytes, 100 characters */
	assert_int_equal(check_name(zh100, &err), 0);
	assert_int_equal(check_name(a100, &err), 0);
	assert_int_equal(check_name(zh101, &err), KF_EINVAL);
	assert_string_equal(err.code, "too_long");
	assert_string_equal(err.field, "name");
	assert_int_equal(check_name(a101, &err), KF_EINVAL);
	assert_string_equal(err.code, "too_long");
	/* min 1: the empty string is refused */
	assert_int_equal(check_name("", &err), KF_EINVAL);
	assert_string_equal(err.code, "invalid");
	assert_string_equal(err.field, "name");
	/* one 4-byte character is one character */
	assert_int_equal(check_name("\xF0\x9F\x8F\x97", &err), 0);
	free(zh100);
	free(zh101);
	free(a100);
	free(a101);
}

static void test_body_control_characters(void **state)
{
	(void)state;
	bad("{\"name\":\"a\\u0001b\"}", true, "invalid", "name");
	bad("{\"name\":\"a\\nb\"}", true, "invalid", "name");
	bad("{\"name\":\"a\\tb\"}", true, "invalid", "name");
	bad("{\"name\":\"a\\rb\"}", true, "invalid", "name");
	bad("{\"name\":\"\\u001b[31m\"}", true, "invalid", "name");
	bad("{\"name\":\"a\\u007f\"}", true, "invalid", "name");
	ok("{\"note\":\"第一行\\n第二行\"}", true);
	ok("{\"note\":\"tab\\there\\r\\n\"}", true);
	bad("{\"note\":\"bell\\u0007\"}", true, "invalid", "note");
	bad("{\"note\":\"\\u007f\"}", true, "invalid", "note");
	/* non-ASCII spaces and C1 are not C0 controls */
	ok("{\"name\":\"a\\u00a0b\\u3000c\"}", true);
}

static void test_body_ids(void **state)
{
	(void)state;
	ok("{\"user_ids\":[3,1,2]}", true);
	bad("{\"user_ids\":[1,1]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[1,2,1]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[0]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[1,-2]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[1.5]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[2.0]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[\"1\"]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[null]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[true]}", true, "invalid", "user_ids");
	bad("{\"user_ids\":[[1]]}", true, "invalid", "user_ids");
	/* max 3 elements */
	bad("{\"user_ids\":[1,2,3,4]}", true, "too_long", "user_ids");
}

static void test_body_not_object(void **state)
{
	(void)state;
	const char *texts[] = { "[]", "[{\"name\":\"x\"}]", "\"x\"", "1", "null", "true" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_error_t jerr;
		json_t *j = json_loads(texts[i], JSON_DECODE_ANY, &jerr);
		assert_non_null(j);
		struct kf_error err;
		kf_error_clear(&err);
		assert_int_equal(input_check_body(j, spec, true, &err), KF_EINVAL);
		assert_string_equal(err.code, "invalid_json");
		json_decref(j);
	}
	struct kf_error err;
	kf_error_clear(&err);
	assert_int_equal(input_check_body(NULL, spec, true, &err), KF_EINVAL);
}

static int parse_json(const char *data, size_t len, struct kf_error *err)
{
	json_t *j = (json_t *)0x1;
	kf_error_clear(err);
	int rc = input_parse_json(data, len, &j, err);
	if (rc == 0)
		assert_non_null(j);
	else
		assert_null(j);
	json_decref(j);
	return rc;
}

static void expect_invalid_json(const char *data, size_t len)
{
	struct kf_error err;
	int rc = parse_json(data, len, &err);
	if (rc != KF_EINVAL)
		fail_msg("%.*s: got %d, expected KF_EINVAL", (int)len, data, rc);
	assert_string_equal(err.code, "invalid_json");
}

#define INVALID(lit) expect_invalid_json(lit, sizeof(lit) - 1)

static void test_parse_json(void **state)
{
	(void)state;
	struct kf_error err;
	const char good[] = "{\"name\":\"中关村软件园\",\"customer_id\":2}";
	assert_int_equal(parse_json(good, sizeof(good) - 1, &err), 0);
	/* the length bounds the input: trailing bytes are not read */
	assert_int_equal(parse_json("{}GARBAGE", 2, &err), 0);
	assert_int_equal(parse_json("[1,2]", 5, &err), 0);

	INVALID("{\"name\":\"\xFF\"}");               /* not UTF-8 */
	INVALID("{\"name\":\"\xC0\xAF\"}");           /* overlong */
	INVALID("{\"name\":\"\xED\xA0\x80\"}");       /* surrogate encoded directly */
	INVALID("{\"name\":\"\xE4\xB8\"}");           /* truncated */
	INVALID("{\"na\\u0000me\":1}");                /* NUL in a key */
	INVALID("{\"name\":\"\\ud800\"}");            /* lone surrogate escape */
	INVALID("{\"name\":\"x\",\"name\":\"y\"}"); /* duplicate keys */
	INVALID("{\"a\":1,\"b\":{\"c\":1,\"c\":2}}"); /* nested duplicate */
	INVALID("");
	INVALID("{");
	INVALID("{}x");
	INVALID("{'a':1}");
	INVALID("{\"a\":01}");
	INVALID("{\"a\":NaN}");
	INVALID("{\"a\":1,}");
	INVALID("\"scalar\"");
	expect_invalid_json(NULL, 0);

	/* embedded NUL byte in the raw body */
	const char nul[] = "{\"a\":\"x\0y\"}";
	expect_invalid_json(nul, sizeof(nul) - 1);
}

/*
 * "\u0000" in a string value gets through the parser (input.h) so that input_check_body()
 * can refuse it naming the member: a NUL would otherwise cut the C string the store sees.
 */
static void test_nul_in_value(void **state)
{
	(void)state;
	const char *bodies[][2] = {
		{ "{\"name\":\"a\\u0000b\",\"customer_id\":1}", "name" },
		{ "{\"name\":\"\\u0000\",\"customer_id\":1}", "name" },
		{ "{\"name\":\"ok\",\"customer_id\":1,\"note\":\"line\\n\\u0000\"}", "note" },
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct kf_error err;
		json_t *j = NULL;
		kf_error_clear(&err);
		const char *text = bodies[i][0];
		int rc = input_parse_json(text, strlen(text), &j, &err);
		if (rc == 0) {
			kf_error_clear(&err);
			rc = input_check_body(j, spec, false, &err);
			json_decref(j);
			if (rc != KF_EINVAL)
				fail_msg("%s: NUL accepted by input_check_body", text);
			assert_string_equal(err.field, bodies[i][1]);
		} else {
			/* refusing it at parse time is as safe */
			assert_int_equal(rc, KF_EINVAL);
		}
	}
}

static void test_parse_json_size(void **state)
{
	(void)state;
	struct kf_error err;
	/* exactly INPUT_JSON_MAX bytes: a valid object padded with spaces */
	char *big = malloc(INPUT_JSON_MAX + 2);
	memset(big, ' ', INPUT_JSON_MAX + 2);
	memcpy(big, "{\"a\":1}", 7);
	assert_int_equal(parse_json(big, INPUT_JSON_MAX, &err), 0);
	/* one byte more is too big, before any parsing */
	assert_int_equal(parse_json(big, INPUT_JSON_MAX + 1, &err), KF_ETOOBIG);
	assert_int_equal(err.err, KF_ETOOBIG);
	/* a long string member under the limit is fine */
	big[0] = '[';
	big[1] = '"';
	memset(big + 2, 'x', INPUT_JSON_MAX - 4);
	big[INPUT_JSON_MAX - 2] = '"';
	big[INPUT_JSON_MAX - 1] = ']';
	assert_int_equal(parse_json(big, INPUT_JSON_MAX, &err), 0);
	free(big);
}

static const char *cookie(const char *header, size_t n, char *out)
{
	memset(out, '#', n);
	return input_cookie(header, "kefu_session", out, n);
}

static void test_cookie(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(cookie("kefu_session=abc", sizeof(out), out), "abc");
	assert_ptr_equal(cookie("kefu_session=abc", sizeof(out), out), out);
	assert_string_equal(cookie("a=1; kefu_session=tok-EN_1; b=2", sizeof(out), out),
			    "tok-EN_1");
	assert_string_equal(cookie("a=1;kefu_session=v", sizeof(out), out), "v");
	assert_string_equal(cookie("theme=dark; lang=zh-CN; kefu_session=last", sizeof(out), out),
			    "last");
	assert_string_equal(cookie("  ;; kefu_session=sp", sizeof(out), out), "sp");
	/* a cookie whose name ends with ours is another cookie */
	assert_string_equal(cookie("xkefu_session=evil; kefu_session=good", sizeof(out), out),
			    "good");
	assert_null(cookie("xkefu_session=evil", sizeof(out), out));
	assert_null(cookie("kefu_session_old=evil", sizeof(out), out));
	assert_null(cookie("kefu_sessionx=evil", sizeof(out), out));
	assert_null(cookie("a=kefu_session=evil", sizeof(out), out));
	assert_null(cookie("kefu_session", sizeof(out), out));
	assert_null(cookie("KEFU_SESSION=abc", sizeof(out), out));
	assert_null(cookie("", sizeof(out), out));
	assert_null(input_cookie(NULL, "kefu_session", out, sizeof(out)));
	/* '=' inside the value belongs to the value */
	assert_string_equal(cookie("kefu_session=a=b", sizeof(out), out), "a=b");
	/* the first of two wins */
	assert_string_equal(cookie("kefu_session=one; kefu_session=two", sizeof(out), out), "one");

	/* too long: a value of n-1 bytes fits, n does not */
	char hdr[200];
	snprintf(hdr, sizeof(hdr), "kefu_session=%s", "0123456789");
	char small[11];
	assert_string_equal(cookie(hdr, sizeof(small), small), "0123456789");
	assert_null(cookie(hdr, 10, small));
	char longv[150];
	memset(longv, 'A', 99);
	longv[99] = '\0';
	snprintf(hdr, sizeof(hdr), "a=b; kefu_session=%s; c=d", longv);
	assert_null(cookie(hdr, sizeof(out), out));
}

static void test_match(void **state)
{
	(void)state;
	int64_t ids[MAX_PATH_IDS] = { 0, 0 };
	assert_true(input_match("/api/v1/customers", "/api/v1/customers", ids, MAX_PATH_IDS));
	assert_false(input_match("/api/v1/customers", "/api/v1/customers/", ids, MAX_PATH_IDS));
	assert_false(input_match("/api/v1/customers", "/api/v1/customersx", ids, MAX_PATH_IDS));
	assert_false(input_match("/api/v1/customers", "/api/v1/customer", ids, MAX_PATH_IDS));
	assert_false(input_match("/api/v1/customers", "/API/v1/customers", ids, MAX_PATH_IDS));
	assert_false(input_match("/api/v1/customers", "", ids, MAX_PATH_IDS));

	const char *p = "/api/v1/projects/{id}";
	assert_true(input_match(p, "/api/v1/projects/12", ids, MAX_PATH_IDS));
	assert_int_equal(ids[0], 12);
	assert_true(input_match(p, "/api/v1/projects/9007199254740992", ids, MAX_PATH_IDS));
	assert_true(ids[0] == INT64_C(9007199254740992));
	assert_false(input_match(p, "/api/v1/projects/9007199254740993", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/123456789012345678901234567890", ids,
				 MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/012", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/0", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/-1", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/+1", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/1a", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/abc", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/ 1", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects//1", ids, MAX_PATH_IDS));
	assert_false(input_match(p, "/api/v1/projects/12/", ids, MAX_PATH_IDS)); /* trailing slash */
	assert_false(input_match(p, "/api/v1/projects/12/events", ids, MAX_PATH_IDS)); /* extra */
	assert_false(input_match(p, "/api/v1/projects/12/13", ids, MAX_PATH_IDS));

	const char *ev = "/api/v1/projects/{id}/events";
	assert_true(input_match(ev, "/api/v1/projects/7/events", ids, MAX_PATH_IDS));
	assert_int_equal(ids[0], 7);
	assert_false(input_match(ev, "/api/v1/projects/7/events/", ids, MAX_PATH_IDS));
	assert_false(input_match(ev, "/api/v1/projects/7/event", ids, MAX_PATH_IDS));
	assert_false(input_match(ev, "/api/v1/projects/7", ids, MAX_PATH_IDS));
	assert_false(input_match(ev, "/api/v1/projects//events", ids, MAX_PATH_IDS));

	/* two ids, in order */
	const char *two = "/api/v1/projects/{id}/members/{user_id}";
	ids[0] = ids[1] = 0;
	assert_true(input_match(two, "/api/v1/projects/3/members/45", ids, MAX_PATH_IDS));
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 45);
	assert_false(input_match(two, "/api/v1/projects/3/members/", ids, MAX_PATH_IDS));
	assert_false(input_match(two, "/api/v1/projects/3/members/04", ids, MAX_PATH_IDS));
	/* more ids in the pattern than room for them */
	assert_false(input_match(two, "/api/v1/projects/3/members/45", ids, 1));
	assert_false(input_match(p, "/api/v1/projects/3", ids, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_ok),
		cmocka_unit_test(test_body_unknown),
		cmocka_unit_test(test_body_required),
		cmocka_unit_test(test_body_null),
		cmocka_unit_test(test_body_types),
		cmocka_unit_test(test_body_length_counts_characters),
		cmocka_unit_test(test_body_control_characters),
		cmocka_unit_test(test_body_ids),
		cmocka_unit_test(test_body_not_object),
		cmocka_unit_test(test_parse_json),
		cmocka_unit_test(test_nul_in_value),
		cmocka_unit_test(test_parse_json_size),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}
