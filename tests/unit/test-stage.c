/* test-stage.c - the stage machine of PROCEDURE §2 and the keys of model.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/model.h"
#include "core/stage.h"

/* The only legal moves: (from, event) -> to. */
static bool allowed(enum stage cur, enum stage_event ev, enum stage *to)
{
	static const struct {
		enum stage from;
		enum stage_event ev;
		enum stage to;
	} moves[] = {
		{ STAGE_PRE_CONTRACT, EV_CONTRACT_SIGNED, STAGE_CONSTRUCTION },
		{ STAGE_CONSTRUCTION, EV_COMPLETION_FILED, STAGE_WARRANTY },
		{ STAGE_WARRANTY, EV_WARRANTY_ENDED, STAGE_POST_WARRANTY },
	};
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		if (moves[i].from == cur && moves[i].ev == ev) {
			*to = moves[i].to;
			return true;
		}
	return false;
}

static void test_every_pair(void **state)
{
	(void)state;
	int ok = 0, refused = 0;
	for (int s = 0; s < STAGE__COUNT; s++) {
		for (int e = 0; e < EV__COUNT; e++) {
			/* without a previous event, and with one on the same day */
			for (int with_last = 0; with_last < 2; with_last++) {
				struct kf_error err;
				kf_error_clear(&err);
				enum stage next = (enum stage)99, want;
				int rc = stage_apply((enum stage)s, (enum stage_event)e, 20000,
						     with_last, 20000, &next, &err);
				if (allowed((enum stage)s, (enum stage_event)e, &want)) {
					assert_int_equal(rc, 0);
					assert_int_equal(next, want);
					assert_int_equal(next, s + 1);
					ok++;
				} else {
					assert_int_equal(rc, KF_ERULE);
					assert_int_equal(err.err, KF_ERULE);
					assert_non_null(err.code);
					assert_string_equal(err.code, "stage_order");
					assert_string_equal(err.field, "type");
					assert_true(err.message[0] != '\0');
					assert_int_equal(next, 99); /* untouched */
					refused++;
				}
			}
		}
	}
	assert_int_equal(ok, 3 * 2);
	assert_int_equal(refused, (STAGE__COUNT * EV__COUNT - 3) * 2);
}

static void expect_order(enum stage cur, enum stage_event ev)
{
	struct kf_error err;
	kf_error_clear(&err);
	enum stage next = STAGE_PRE_CONTRACT;
	assert_int_equal(stage_apply(cur, ev, 100, false, 0, &next, &err), KF_ERULE);
	assert_string_equal(err.code, "stage_order");
	assert_string_equal(err.field, "type");
}

static void test_skip_repeat_back(void **state)
{
	(void)state;
	/* skipping a stage */
	expect_order(STAGE_PRE_CONTRACT, EV_COMPLETION_FILED);
	expect_order(STAGE_PRE_CONTRACT, EV_WARRANTY_ENDED);
	expect_order(STAGE_CONSTRUCTION, EV_WARRANTY_ENDED);
	/* repeating the event that entered the current stage */
	expect_order(STAGE_CONSTRUCTION, EV_CONTRACT_SIGNED);
	expect_order(STAGE_WARRANTY, EV_COMPLETION_FILED);
	expect_order(STAGE_POST_WARRANTY, EV_WARRANTY_ENDED);
	/* going back */
	expect_order(STAGE_WARRANTY, EV_CONTRACT_SIGNED);
	expect_order(STAGE_POST_WARRANTY, EV_CONTRACT_SIGNED);
	expect_order(STAGE_POST_WARRANTY, EV_COMPLETION_FILED);
}

static void test_dates(void **state)
{
	(void)state;
	struct kf_error err;
	enum stage next;

	/* a day before the last event */
	kf_error_clear(&err);
	next = (enum stage)99;
	assert_int_equal(stage_apply(STAGE_CONSTRUCTION, EV_COMPLETION_FILED, 19999, true, 20000,
				     &next, &err),
			 KF_ERULE);
	assert_int_equal(err.err, KF_ERULE);
	assert_string_equal(err.field, "date");
	assert_int_equal(next, 99);

	/* far before, in the last transition */
	kf_error_clear(&err);
	assert_int_equal(stage_apply(STAGE_WARRANTY, EV_WARRANTY_ENDED, -5000, true, 20000, &next,
				     &err),
			 KF_ERULE);
	assert_string_equal(err.field, "date");

	/* the same day is fine, a later day is fine */
	kf_error_clear(&err);
	assert_int_equal(stage_apply(STAGE_CONSTRUCTION, EV_COMPLETION_FILED, 20000, true, 20000,
				     &next, &err),
			 0);
	assert_int_equal(next, STAGE_WARRANTY);
	assert_int_equal(stage_apply(STAGE_WARRANTY, EV_WARRANTY_ENDED, 20731, true, 20000, &next,
				     &err),
			 0);
	assert_int_equal(next, STAGE_POST_WARRANTY);

	/* no previous event: any date, last_day is ignored */
	assert_int_equal(stage_apply(STAGE_PRE_CONTRACT, EV_CONTRACT_SIGNED, -25567, false, 20000,
				     &next, &err),
			 0);
	assert_int_equal(next, STAGE_CONSTRUCTION);

	/* the order rule wins over the date rule */
	kf_error_clear(&err);
	assert_int_equal(stage_apply(STAGE_PRE_CONTRACT, EV_WARRANTY_ENDED, 1, true, 20000, &next,
				     &err),
			 KF_ERULE);
	assert_string_equal(err.code, "stage_order");
	assert_string_equal(err.field, "type");
}

static void test_out_of_range(void **state)
{
	(void)state;
	struct kf_error err;
	enum stage next = (enum stage)99;
	kf_error_clear(&err);
	assert_true(stage_apply(STAGE_PRE_CONTRACT, EV__COUNT, 1, false, 0, &next, &err) < 0);
	assert_true(stage_apply(STAGE__COUNT, EV_CONTRACT_SIGNED, 1, false, 0, &next, &err) < 0);
	assert_int_equal(next, 99);
}

static void test_next_event(void **state)
{
	(void)state;
	assert_int_equal(stage_next_event(STAGE_PRE_CONTRACT), EV_CONTRACT_SIGNED);
	assert_int_equal(stage_next_event(STAGE_CONSTRUCTION), EV_COMPLETION_FILED);
	assert_int_equal(stage_next_event(STAGE_WARRANTY), EV_WARRANTY_ENDED);
	assert_int_equal(stage_next_event(STAGE_POST_WARRANTY), -1);
	/* the event it names is the one stage_apply accepts */
	for (int s = 0; s < STAGE__COUNT - 1; s++) {
		enum stage next;
		int ev = stage_next_event((enum stage)s);
		assert_int_equal(stage_apply((enum stage)s, (enum stage_event)ev, 1, false, 0, &next,
					     NULL),
				 0);
	}
}

static void test_role_keys(void **state)
{
	(void)state;
	static const char *const keys[] = { "admin", "leader", "cm", "quality", "business",
					    "project", "safety", "customer" };
	assert_int_equal(sizeof(keys) / sizeof(keys[0]), ROLE__COUNT - 1);
	assert_null(role_key(ROLE_NONE));
	assert_null(role_key(ROLE__COUNT));
	for (int r = ROLE_ADMIN; r < ROLE__COUNT; r++) {
		assert_non_null(role_key((enum role)r));
		assert_string_equal(role_key((enum role)r), keys[r - 1]);
		assert_int_equal(role_parse(role_key((enum role)r)), r);
	}
	assert_int_equal(role_parse("Admin"), ROLE_NONE);
	assert_int_equal(role_parse("admin "), ROLE_NONE);
	assert_int_equal(role_parse(""), ROLE_NONE);
	assert_int_equal(role_parse("root"), ROLE_NONE);
	assert_int_equal(role_parse("none"), ROLE_NONE);
	assert_int_equal(role_parse(NULL), ROLE_NONE);
}

static void test_stage_and_event_keys(void **state)
{
	(void)state;
	static const char *const stages[] = { "pre_contract", "construction", "warranty",
					      "post_warranty" };
	static const char *const events[] = { "contract_signed", "completion_filed",
					      "warranty_ended" };
	for (int s = 0; s < STAGE__COUNT; s++) {
		assert_string_equal(stage_key((enum stage)s), stages[s]);
		assert_int_equal(stage_parse(stages[s]), s);
	}
	for (int e = 0; e < EV__COUNT; e++) {
		assert_string_equal(stage_event_key((enum stage_event)e), events[e]);
		assert_int_equal(stage_event_parse(events[e]), e);
	}
	assert_null(stage_key(STAGE__COUNT));
	assert_null(stage_event_key(EV__COUNT));
	assert_int_equal(stage_parse("Construction"), -1);
	assert_int_equal(stage_parse(""), -1);
	assert_int_equal(stage_parse(NULL), -1);
	assert_int_equal(stage_parse("contract_signed"), -1);
	assert_int_equal(stage_event_parse("warranty"), -1);
	assert_int_equal(stage_event_parse(""), -1);
	assert_int_equal(stage_event_parse(NULL), -1);
}

static void test_role_scope(void **state)
{
	(void)state;
	assert_int_equal(role_scope(ROLE_PROJECT), SCOPE_MEMBER);
	assert_int_equal(role_scope(ROLE_CUSTOMER), SCOPE_CUSTOMER);
	assert_int_equal(role_scope(ROLE_ADMIN), SCOPE_ALL);
	assert_int_equal(role_scope(ROLE_LEADER), SCOPE_ALL);
	assert_int_equal(role_scope(ROLE_CM), SCOPE_ALL);
	assert_int_equal(role_scope(ROLE_QUALITY), SCOPE_ALL);
	assert_int_equal(role_scope(ROLE_BUSINESS), SCOPE_ALL);
	assert_int_equal(role_scope(ROLE_SAFETY), SCOPE_ALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair),
		cmocka_unit_test(test_skip_repeat_back),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_next_event),
		cmocka_unit_test(test_role_keys),
		cmocka_unit_test(test_stage_and_event_keys),
		cmocka_unit_test(test_role_scope),
	};
	return cmocka_run_group_tests_name("stage", tests, NULL, NULL);
}
