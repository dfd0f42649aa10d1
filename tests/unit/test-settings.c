/* test-settings.c - the settings file: defaults are the Readings, bounds and rules hold */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/settings.h"

static int parse(const char *text, struct settings *s, struct kf_error *err)
{
	memset(err, 0, sizeof(*err));
	return settings_parse(text, strlen(text), s, err);
}

/* The defaults are PROCEDURE §7's readings; an empty file or only comments changes nothing. */
static void test_defaults(void **state)
{
	(void)state;
	struct settings s;
	struct kf_error err;
	assert_int_equal(parse("", &s, &err), 0);
	assert_memory_equal(&s, &settings_defaults, sizeof(s));
	assert_int_equal(parse("# nothing\n\n   \n", &s, &err), 0);
	assert_memory_equal(&s.scoring, &scoring_defaults, sizeof(s.scoring));
	const struct scoring_rules *r = &settings_defaults.scoring;
	assert_int_equal(r->weight_pct[PHASE_PRE], 20);
	assert_int_equal(r->weight_pct[PHASE_PROCESS], 50);
	assert_int_equal(r->weight_pct[PHASE_POST], 30);
	assert_int_equal(r->qualified_from, 700);
	assert_int_equal(r->excellent_from, 900);
}

/* What a company changes takes effect in the rules: another grade boundary grades differently. */
static void test_values(void **state)
{
	(void)state;
	struct settings s;
	struct kf_error err;
	assert_int_equal(parse("grade.qualified_from = 60\r\n"
			       "  grade.excellent_from=85.5   # our reading\n"
			       "scoring.weight.pre = 10\nscoring.weight.post = 40\n"
			       "scoring.penalty.min = -20\n",
			       &s, &err),
			 0);
	assert_int_equal(s.scoring.qualified_from, 600);
	assert_int_equal(s.scoring.excellent_from, 855);
	assert_int_equal(s.scoring.weight_pct[PHASE_PRE], 10);
	assert_int_equal(s.scoring.weight_pct[PHASE_POST], 40);
	assert_int_equal(s.scoring.penalty_min, -20);
	assert_int_equal(scoring_grade(&s.scoring, 650), GRADE_QUALIFIED);
	assert_int_equal(scoring_grade(&settings_defaults.scoring, 650), GRADE_FAIL);
	assert_int_equal(scoring_grade(&s.scoring, 855), GRADE_EXCELLENT);
	assert_int_equal(scoring_grade(&s.scoring, 854), GRADE_QUALIFIED);
}

/* Each refusal names the line or the rule, and leaves out untouched. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "nonsense\n", "line 1" },
		{ "\n\nno.such = 1\n", "line 3: no setting 'no.such'" },
		{ "grade.qualified_from = 60\ngrade.qualified_from = 65\n", "set twice" },
		{ "scoring.weight.pre = 101\n", "from 0 to 100" },
		{ "scoring.weight.pre = 25\n", "add up to 100" },
		{ "scoring.rating.average = 75\n", "steps of 10" },
		{ "scoring.rating.average = 100\n", "scores less than" },
		{ "scoring.penalty.max = 0\n", "scoring.penalty.max" },
		{ "scoring.penalty.min = -4\n", "penalty.min is above" },
		{ "scoring.deduction.min = 30\n", "deduction.min is above" },
		{ "grade.qualified_from = 90\n", "below grade.excellent_from" },
		{ "grade.qualified_from = 69.55\n", "a score" },
		{ "grade.qualified_from = 7e1\n", "a score" },
		{ "grade.qualified_from = \n", "a score" },
		{ "grade.qualified_from = +70\n", "a score" },
		{ "scoring.weight.pre = 0x14\n", "whole number" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct settings s = { .scoring.weight_pct = { 1, 2, 3 } };
		struct kf_error err;
		assert_int_equal(parse(bad[i].text, &s, &err), KF_EINVAL);
		if (!strstr(err.message, bad[i].says))
			fail_msg("'%s': message '%s' does not say '%s'", bad[i].text, err.message,
				 bad[i].says);
		assert_int_equal(s.scoring.weight_pct[0], 1);
	}
	struct settings s;
	struct kf_error err;
	const char nul[] = "grade.qualified_from = 60\0x";
	assert_int_equal(settings_parse(nul, sizeof(nul) - 1, &s, &err), KF_EINVAL);
}

/* What `kefu config` prints is a settings file that reads back to the same settings. */
static void test_describe_round_trip(void **state)
{
	(void)state;
	struct settings s, again;
	struct kf_error err;
	assert_int_equal(parse("grade.excellent_from = 92.5\nscoring.deduction.max = 30\n", &s, &err),
			 0);
	struct buf b = BUF_INIT;
	settings_describe(&s, &b);
	assert_non_null(strstr(b.s, "grade.excellent_from = 92.5\n"));
	assert_non_null(strstr(b.s, "# default 90.0"));
	assert_int_equal(settings_parse(b.s, b.len, &again, &err), 0);
	assert_memory_equal(&s, &again, sizeof(s));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_describe_round_trip),
	};
	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
