/* test-scoring.c - item, sheet and summary scores, grades and penalty cases of PROCEDURE §7, §8 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/scoring.h"

static const struct scoring_rules *R = &scoring_defaults;

/* ---- keys and defaults ---- */

static void test_keys(void **state)
{
	(void)state;
	static const char *const ratings[] = {"satisfied", "fairly_satisfied", "average",
					      "acceptable", "serious"};
	for (int i = 0; i < RATING__COUNT; i++) {
		assert_string_equal(rating_key((enum rating)i), ratings[i]);
		assert_int_equal(rating_parse(ratings[i]), i);
	}
	assert_null(rating_key(RATING__COUNT));
	assert_int_equal(rating_parse("Satisfied"), -1);
	assert_int_equal(rating_parse(""), -1);
	assert_int_equal(rating_parse(NULL), -1);

	assert_string_equal(grade_key(GRADE_FAIL), "fail");
	assert_string_equal(grade_key(GRADE_QUALIFIED), "qualified");
	assert_string_equal(grade_key(GRADE_EXCELLENT), "excellent");

	static const char *const phases[] = {"pre", "process", "post"};
	for (int i = 0; i < PHASE__COUNT; i++) {
		assert_string_equal(phase_key((enum phase)i), phases[i]);
		assert_int_equal(phase_parse(phases[i]), i);
	}
	assert_null(phase_key(PHASE__COUNT));
	assert_int_equal(phase_parse("during"), -1);
	assert_int_equal(phase_parse(NULL), -1);

	assert_null(case_reason_key(CASE_NONE));
	assert_string_equal(case_reason_key(CASE_TWO_CONSECUTIVE), "two_consecutive_fails");
	assert_string_equal(case_reason_key(CASE_TWO_IN_YEAR), "two_fails_in_year");
	assert_string_equal(case_reason_key(CASE_THREE_CONSECUTIVE), "three_consecutive_fails");
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(R->weight_pct[PHASE_PRE], 20);
	assert_int_equal(R->weight_pct[PHASE_PROCESS], 50);
	assert_int_equal(R->weight_pct[PHASE_POST], 30);
	assert_int_equal(R->pct[RATING_SATISFIED], 100);
	assert_int_equal(R->pct[RATING_FAIRLY], 90);
	assert_int_equal(R->pct[RATING_AVERAGE], 70);
	assert_int_equal(R->pct[RATING_ACCEPTABLE], 50);
	assert_int_equal(R->penalty_min, -10);
	assert_int_equal(R->penalty_max, -5);
	assert_int_equal(R->deduction_min, 5);
	assert_int_equal(R->deduction_max, 20);
	assert_int_equal(R->qualified_from, 700);
	assert_int_equal(R->excellent_from, 900);
	assert_int_equal(R->satisfied_total_from, 900);
	assert_int_equal(R->satisfied_sheet_from, 800);
}

/* ---- items and sheets ---- */

static int item(int points, enum rating rating, int penalty)
{
	struct rated_item it = {.points = points, .rating = rating, .penalty = penalty};
	return scoring_item(R, &it);
}

static void test_item_every_rating(void **state)
{
	(void)state;
	assert_int_equal(item(10, RATING_SATISFIED, 0), 100);
	assert_int_equal(item(10, RATING_FAIRLY, 0), 90);
	assert_int_equal(item(10, RATING_AVERAGE, 0), 70);
	assert_int_equal(item(10, RATING_ACCEPTABLE, 0), 50);
	assert_int_equal(item(10, RATING_SERIOUS, -5), -50);
	assert_int_equal(item(10, RATING_SERIOUS, -10), -100);
	/* the penalty replaces the points, whatever they are */
	assert_int_equal(item(3, RATING_SERIOUS, -7), -70);
}

static void test_item_seven_points(void **state)
{
	(void)state;
	char s[16];
	int v = item(7, RATING_FAIRLY, 0);
	assert_int_equal(v, 63);
	scoring_format(v, s);
	assert_string_equal(s, "6.3");
	assert_int_equal(item(7, RATING_AVERAGE, 0), 49);
	assert_int_equal(item(7, RATING_ACCEPTABLE, 0), 35);
	assert_int_equal(item(1, RATING_ACCEPTABLE, 0), 5);
}

/* Ten items of 10 points, all satisfied; index 3 is the one the tests change. */
static void ten_items(struct rated_item it[10])
{
	for (int i = 0; i < 10; i++)
		it[i] = (struct rated_item){.points = 10, .rating = RATING_SATISFIED};
}

static void test_sheet_sum(void **state)
{
	(void)state;
	struct rated_item it[10];
	ten_items(it);
	assert_int_equal(scoring_sheet(R, it, 10), 1000);
	it[0].rating = RATING_FAIRLY;
	it[1].rating = RATING_AVERAGE;
	it[2].rating = RATING_ACCEPTABLE;
	it[3] = (struct rated_item){.points = 10, .rating = RATING_SERIOUS, .penalty = -8};
	assert_int_equal(scoring_sheet(R, it, 10), 90 + 70 + 50 - 80 + 6 * 100);
	assert_int_equal(scoring_sheet(R, it, 0), 0);
	/* not clamped at 0 */
	for (int i = 0; i < 10; i++)
		it[i] = (struct rated_item){.points = 10, .rating = RATING_SERIOUS, .penalty = -10};
	assert_int_equal(scoring_sheet(R, it, 10), -1000);
}

static void expect_refused(const struct rated_item *it, size_t n, int deduction, const char *field)
{
	struct kf_error err;
	kf_error_clear(&err);
	assert_int_equal(scoring_check(R, it, n, deduction, &err), KF_EINVAL);
	assert_int_equal(err.err, KF_EINVAL);
	assert_string_equal(err.code, "invalid");
	assert_string_equal(err.field, field);
	assert_true(err.message[0] != '\0');
	/* no error record wanted: same result */
	assert_int_equal(scoring_check(R, it, n, deduction, NULL), KF_EINVAL);
}

static void expect_ok(const struct rated_item *it, size_t n, int deduction)
{
	struct kf_error err;
	kf_error_clear(&err);
	assert_int_equal(scoring_check(R, it, n, deduction, &err), 0);
	assert_int_equal(err.err, KF_OK);
}

static void test_check_penalty(void **state)
{
	(void)state;
	struct rated_item it[10];
	ten_items(it);
	expect_ok(it, 10, 0);

	it[3].rating = RATING_SERIOUS;
	for (int p = -10; p <= -5; p++) {
		it[3].penalty = p;
		expect_ok(it, 10, 5);
	}
	it[3].penalty = -4;
	expect_refused(it, 10, 5, "items[3].penalty");
	it[3].penalty = -11;
	expect_refused(it, 10, 5, "items[3].penalty");
	it[3].penalty = 0; /* serious without a penalty */
	expect_refused(it, 10, 5, "items[3].penalty");
	it[3].penalty = 5;
	expect_refused(it, 10, 5, "items[3].penalty");

	/* a penalty on an item that is not serious */
	for (int r = RATING_SATISFIED; r < RATING_SERIOUS; r++) {
		ten_items(it);
		it[3].rating = (enum rating)r;
		it[3].penalty = -5;
		expect_refused(it, 10, 0, "items[3].penalty");
	}
}

static void test_check_deduction(void **state)
{
	(void)state;
	struct rated_item it[10];
	ten_items(it);
	it[3] = (struct rated_item){.points = 10, .rating = RATING_SERIOUS, .penalty = -5};
	expect_ok(it, 10, 5);
	expect_ok(it, 10, 20);
	expect_refused(it, 10, 4, "summary_deduction");
	expect_refused(it, 10, 21, "summary_deduction");
	expect_refused(it, 10, 0, "summary_deduction"); /* serious without a deduction */
	expect_refused(it, 10, -5, "summary_deduction");

	ten_items(it); /* a deduction without a serious item */
	expect_refused(it, 10, 5, "summary_deduction");
	expect_refused(it, 10, 20, "summary_deduction");
	expect_ok(it, 10, 0);
}

static void test_check_points(void **state)
{
	(void)state;
	struct rated_item it[10];
	ten_items(it);
	it[9].points = 9;
	expect_refused(it, 10, 0, "items");
	it[9].points = 11;
	expect_refused(it, 10, 0, "items");
	expect_refused(it, 0, 0, "items");
	ten_items(it);
	it[8].points = 20;
	it[9].points = 0;
	expect_refused(it, 10, 0, "items[9].points");
	ten_items(it);
	it[8].points = 30;
	it[9].points = -10;
	expect_refused(it, 10, 0, "items[9].points");
	ten_items(it);
	it[2].rating = (enum rating)RATING__COUNT;
	expect_refused(it, 10, 0, "items[2].rating");
	/* uneven points that add up to 100 */
	struct rated_item odd[3] = {
		{.points = 7, .rating = RATING_FAIRLY},
		{.points = 60, .rating = RATING_SATISFIED},
		{.points = 33, .rating = RATING_AVERAGE},
	};
	expect_ok(odd, 3, 0);
	assert_int_equal(scoring_sheet(R, odd, 3), 63 + 600 + 231);
}

/* ---- grades and the summary ---- */

static void summary3(int pre, int process, int post, struct summary *s)
{
	static const bool all[PHASE__COUNT] = {true, true, true};
	static const int none[PHASE__COUNT] = {0, 0, 0};
	int score[PHASE__COUNT] = {pre, process, post};
	scoring_summary(R, all, score, none, false, s);
}

static void test_grade_direct(void **state)
{
	(void)state;
	assert_int_equal(scoring_grade(R, -1000), GRADE_FAIL);
	assert_int_equal(scoring_grade(R, 0), GRADE_FAIL);
	assert_int_equal(scoring_grade(R, 699), GRADE_FAIL);
	assert_int_equal(scoring_grade(R, 700), GRADE_QUALIFIED);
	assert_int_equal(scoring_grade(R, 899), GRADE_QUALIFIED);
	assert_int_equal(scoring_grade(R, 900), GRADE_EXCELLENT);
	assert_int_equal(scoring_grade(R, 1000), GRADE_EXCELLENT);
}

static void test_grade_boundaries_rounded(void **state)
{
	(void)state;
	struct summary s;
	/* (20 x 700 + 50 x 699 + 30 x 700) / 100 = 699.5 tenths = 69.95 -> 70.0 */
	summary3(700, 699, 700, &s);
	assert_true(s.has_total);
	assert_false(s.provisional);
	assert_int_equal(s.total, 700);
	assert_int_equal(s.grade, GRADE_QUALIFIED);
	/* 20 x 702 + 50 x 698 + 30 x 700 = 69940 -> 69.94 -> 69.9 */
	summary3(702, 698, 700, &s);
	assert_int_equal(s.total, 699);
	assert_int_equal(s.grade, GRADE_FAIL);
	/* 20 x 899 + 50 x 898 + 30 x 902 = 89940 -> 89.94 -> 89.9 */
	summary3(899, 898, 902, &s);
	assert_int_equal(s.total, 899);
	assert_int_equal(s.grade, GRADE_QUALIFIED);
	assert_false(s.satisfied);
	/* 20 x 900 + 50 x 899 + 30 x 900 = 89950 -> 89.95 -> 90.0 */
	summary3(900, 899, 900, &s);
	assert_int_equal(s.total, 900);
	assert_int_equal(s.grade, GRADE_EXCELLENT);
	assert_true(s.satisfied);
}

static void test_provisional_one_phase(void **state)
{
	(void)state;
	int score[PHASE__COUNT] = {850, 850, 850};
	int ded[PHASE__COUNT] = {0, 0, 0};
	for (int p = 0; p < PHASE__COUNT; p++) {
		bool has[PHASE__COUNT] = {false, false, false};
		has[p] = true;
		struct summary s;
		scoring_summary(R, has, score, ded, false, &s);
		assert_true(s.has_total);
		assert_int_equal(s.total, 850);
		assert_true(s.provisional);
		assert_int_equal(s.grade, GRADE_QUALIFIED);
		assert_false(s.satisfied);
	}
}

static void test_provisional_two_phases(void **state)
{
	(void)state;
	bool has[PHASE__COUNT] = {true, true, false};
	int score[PHASE__COUNT] = {950, 880, 0};
	int ded[PHASE__COUNT] = {0, 0, 0};
	struct summary s;
	char out[16];
	scoring_summary(R, has, score, ded, false, &s);
	assert_true(s.has_total);
	assert_int_equal(s.total, 900); /* (19000 + 44000) / 70 */
	assert_true(s.provisional);
	assert_int_equal(s.grade, GRADE_EXCELLENT);
	assert_false(s.satisfied); /* a phase is missing */
	scoring_format(s.total, out);
	assert_string_equal(out, "90.0");
}

static void test_no_phase(void **state)
{
	(void)state;
	bool has[PHASE__COUNT] = {false, false, false};
	int score[PHASE__COUNT] = {1000, 1000, 1000};
	int ded[PHASE__COUNT] = {0, 0, 0};
	struct summary s;
	scoring_summary(R, has, score, ded, false, &s);
	assert_false(s.has_total);
	assert_false(s.satisfied);
	assert_int_equal(s.deduction, 0);
}

static void test_worked_example(void **state)
{
	(void)state;
	struct summary s;
	char out[16];
	summary3(950, 880, 920, &s);
	assert_true(s.has_total);
	assert_int_equal(s.total, 906);
	assert_false(s.provisional);
	assert_int_equal(s.deduction, 0);
	assert_int_equal(s.grade, GRADE_EXCELLENT);
	assert_true(s.satisfied);
	scoring_format(s.total, out);
	assert_string_equal(out, "90.6");
}

static void test_satisfied_false(void **state)
{
	(void)state;
	struct summary s;
	bool all[PHASE__COUNT] = {true, true, true};
	int score[PHASE__COUNT] = {950, 880, 920};
	int ded[PHASE__COUNT] = {0, 0, 0};

	/* a sheet below 80.0 with the total well above 90.0 */
	summary3(799, 1000, 1000, &s);
	assert_int_equal(s.total, 960); /* 95.98 -> 96.0 */
	assert_int_equal(s.grade, GRADE_EXCELLENT);
	assert_false(s.satisfied);
	summary3(800, 1000, 1000, &s); /* 80.0 is enough */
	assert_true(s.satisfied);
	summary3(1000, 1000, 799, &s);
	assert_false(s.satisfied);

	/* every sheet at least 80.0, total below 90.0 */
	summary3(899, 899, 899, &s);
	assert_int_equal(s.total, 899);
	assert_false(s.satisfied);

	/* an open serious problem */
	scoring_summary(R, all, score, ded, true, &s);
	assert_int_equal(s.total, 906);
	assert_false(s.satisfied);

	/* a phase missing, even with perfect sheets */
	int perfect[PHASE__COUNT] = {1000, 1000, 1000};
	for (int p = 0; p < PHASE__COUNT; p++) {
		bool has[PHASE__COUNT] = {true, true, true};
		has[p] = false;
		scoring_summary(R, has, perfect, ded, false, &s);
		assert_int_equal(s.total, 1000);
		assert_true(s.provisional);
		assert_false(s.satisfied);
	}
}

static void test_deductions(void **state)
{
	(void)state;
	bool all[PHASE__COUNT] = {true, true, true};
	int score[PHASE__COUNT] = {950, 880, 920};
	int ded[PHASE__COUNT] = {0, 5, 10};
	struct summary s;
	scoring_summary(R, all, score, ded, false, &s);
	assert_int_equal(s.deduction, 15);
	assert_int_equal(s.total, 906 - 150);
	assert_int_equal(s.grade, GRADE_QUALIFIED);
	assert_false(s.satisfied);

	int ded3[PHASE__COUNT] = {20, 20, 20};
	scoring_summary(R, all, score, ded3, false, &s);
	assert_int_equal(s.deduction, 60);
	assert_int_equal(s.total, 306);
	assert_int_equal(s.grade, GRADE_FAIL);

	/* provisional: deductions are subtracted after the scaling, not scaled */
	bool two[PHASE__COUNT] = {true, true, false};
	int ded2[PHASE__COUNT] = {5, 0, 0};
	int score2[PHASE__COUNT] = {950, 880, 0};
	scoring_summary(R, two, score2, ded2, false, &s);
	assert_int_equal(s.total, 900 - 50);
	assert_int_equal(s.deduction, 5);

	/* a missing phase has no sheet, hence no deduction */
	int ded_missing[PHASE__COUNT] = {0, 0, 7};
	scoring_summary(R, two, score2, ded_missing, false, &s);
	assert_int_equal(s.total, 900);
	assert_int_equal(s.deduction, 0);
}

static void test_negative_rounding(void **state)
{
	(void)state;
	bool all[PHASE__COUNT] = {true, true, true};
	int ded[PHASE__COUNT] = {0, 5, 0};
	struct summary s;
	char out[16];
	/* (50 x 99 - 5000) / 100 = -0.5 tenths: away from zero -> -0.1 */
	int score[PHASE__COUNT] = {0, 99, 0};
	scoring_summary(R, all, score, ded, false, &s);
	assert_int_equal(s.total, -1);
	scoring_format(s.total, out);
	assert_string_equal(out, "-0.1");
	/* (20 x 1 + 50 x 99 - 5000) / 100 = -0.3 tenths -> 0 */
	int score2[PHASE__COUNT] = {1, 99, 0};
	scoring_summary(R, all, score2, ded, false, &s);
	assert_int_equal(s.total, 0);
	/* (20 x -5 + 50 x 98 - 5000) / 100 = -2.0 tenths exactly */
	int score3[PHASE__COUNT] = {-5, 98, 0};
	scoring_summary(R, all, score3, ded, false, &s);
	assert_int_equal(s.total, -2);
	/* -1.5 tenths -> -2 */
	int score4[PHASE__COUNT] = {0, 97, 0};
	scoring_summary(R, all, score4, ded, false, &s);
	assert_int_equal(s.total, -2); /* (4850 - 5000) / 100 = -1.5 */
	assert_int_equal(s.grade, GRADE_FAIL);
}

static void test_format(void **state)
{
	(void)state;
	char s[16];
	scoring_format(875, s);
	assert_string_equal(s, "87.5");
	scoring_format(-30, s);
	assert_string_equal(s, "-3.0");
	scoring_format(-5, s);
	assert_string_equal(s, "-0.5");
	scoring_format(0, s);
	assert_string_equal(s, "0.0");
	scoring_format(1000, s);
	assert_string_equal(s, "100.0");
	scoring_format(7, s);
	assert_string_equal(s, "0.7");
	scoring_format(INT32_MAX, s);
	assert_string_equal(s, "214748364.7");
	scoring_format(INT32_MIN, s);
	assert_string_equal(s, "-214748364.8");
}

/* ---- property test over random sheets ---- */

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

static int rand_between(int lo, int hi)
{
	return lo + (int)(next_rand() % (uint32_t)(hi - lo + 1));
}

/* Independent sheet score: hundredths of a point per whole point, summed, then to tenths. */
static int model_sheet(const struct rated_item *it, size_t n)
{
	static const int hundredths_per_point[RATING_SERIOUS] = {100, 90, 70, 50};
	long long hundredths = 0;
	for (size_t i = 0; i < n; i++) {
		if (it[i].rating == RATING_SERIOUS)
			hundredths += it[i].penalty * 100LL;
		else
			hundredths += (long long)it[i].points * hundredths_per_point[it[i].rating];
	}
	assert_int_equal(hundredths % 10, 0);
	return (int)(hundredths / 10);
}

/* Independent summary total: quotient and remainder, then a half step away from zero. */
static int model_total(const bool has[3], const int score[3], const int ded[3])
{
	static const long long w[3] = {2, 5, 3}; /* tenths of the weights */
	long long num = 0, den = 0, d = 0;
	for (int p = 0; p < 3; p++)
		if (has[p]) {
			num += w[p] * score[p];
			den += w[p];
			d += ded[p];
		}
	num -= d * 10 * den;
	long long q = num / den, rem = num % den;
	if (2 * (rem < 0 ? -rem : rem) >= den)
		q += num < 0 ? -1 : 1;
	return (int)q;
}

static size_t random_sheet(struct rated_item *it, int *deduction)
{
	size_t n = (size_t)rand_between(8, 15);
	for (size_t i = 0; i < n; i++)
		it[i] = (struct rated_item){.points = 1};
	for (int rest = 100 - (int)n; rest > 0;) {
		int add = rand_between(1, rest > 12 ? 12 : rest);
		it[next_rand() % n].points += add;
		rest -= add;
	}
	bool serious = false;
	for (size_t i = 0; i < n; i++) {
		it[i].rating = (enum rating)rand_between(0, RATING__COUNT - 1);
		/* fewer serious items, so that many sheets have none */
		if (it[i].rating == RATING_SERIOUS && next_rand() % 3)
			it[i].rating = RATING_SATISFIED;
		if (it[i].rating == RATING_SERIOUS) {
			it[i].penalty = rand_between(-10, -5);
			serious = true;
		}
	}
	*deduction = serious ? rand_between(5, 20) : 0;
	return n;
}

static bool has_serious(const struct rated_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (it[i].rating == RATING_SERIOUS)
			return true;
	return false;
}

static void test_property_random_sheets(void **state)
{
	(void)state;
	int sheets = 0, worsenings = 0, with_serious = 0;
	for (int round = 0; round < 3000; round++) {
		struct rated_item it[15];
		int deduction;
		size_t n = random_sheet(it, &deduction);
		assert_int_equal(scoring_check(R, it, n, deduction, NULL), 0);
		int score = scoring_sheet(R, it, n);
		assert_int_equal(score, model_sheet(it, n));
		sheets++;
		with_serious += deduction != 0;

		/* the sheet in a random phase of a random summary */
		int phase = rand_between(0, PHASE__COUNT - 1);
		bool has[PHASE__COUNT];
		int scores[PHASE__COUNT], ded[PHASE__COUNT];
		for (int p = 0; p < PHASE__COUNT; p++) {
			has[p] = p == phase || next_rand() % 4;
			scores[p] = rand_between(-300, 1000);
			ded[p] = next_rand() % 3 ? 0 : rand_between(5, 20);
		}
		scores[phase] = score;
		ded[phase] = deduction;
		struct summary base;
		scoring_summary(R, has, scores, ded, false, &base);
		assert_true(base.has_total);
		assert_int_equal(base.total, model_total(has, scores, ded));
		assert_int_equal(base.grade, scoring_grade(R, base.total));

		/* worsen one item by one or more steps: never a higher sheet or total */
		for (size_t i = 0; i < n; i++) {
			for (int w = it[i].rating + 1; w < RATING__COUNT; w++) {
				for (int pen = -10; pen <= (w == RATING_SERIOUS ? -5 : -10);
				     pen++) {
					struct rated_item worse[15];
					memcpy(worse, it, n * sizeof(*it));
					worse[i].rating = (enum rating)w;
					worse[i].penalty = w == RATING_SERIOUS ? pen : 0;
					int d = deduction;
					if (d == 0 && has_serious(worse, n))
						d = rand_between(5, 20);
					assert_int_equal(scoring_check(R, worse, n, d, NULL), 0);
					int ws = scoring_sheet(R, worse, n);
					assert_int_equal(ws, model_sheet(worse, n));
					assert_true(ws <= score);

					int s2[PHASE__COUNT], d2[PHASE__COUNT];
					memcpy(s2, scores, sizeof(s2));
					memcpy(d2, ded, sizeof(d2));
					s2[phase] = ws;
					d2[phase] = d;
					struct summary after;
					scoring_summary(R, has, s2, d2, false, &after);
					assert_true(after.total <= base.total);
					assert_true(after.grade <= base.grade);
					assert_false(after.satisfied && !base.satisfied);
					worsenings++;
				}
			}
		}
	}
	assert_int_equal(sheets, 3000);
	assert_true(worsenings > 3000 * 8);
	assert_true(with_serious > 300 && with_serious < 2700);
}

/* ---- escalation ---- */

struct ev {
	int year;
	bool fail;
};

/*
 * Submit evals one by one as the app would: decide for the newest, then mark the ids of the
 * case it opens as in_case. out[k] is the decision taken when eval k + 1 (id) arrived.
 */
static void simulate(const struct ev *seq, size_t n, struct case_decision *out)
{
	struct case_eval evals[16];
	assert_true(n <= 16);
	for (size_t k = 0; k < n; k++) {
		evals[k] = (struct case_eval){
			.id = (int64_t)k + 1, .year = seq[k].year, .fail = seq[k].fail};
		scoring_escalate(evals, k + 1, &out[k]);
		for (int j = 0; j < out[k].nids; j++)
			for (size_t m = 0; m <= k; m++)
				if (evals[m].id == out[k].ids[j])
					evals[m].in_case = true;
	}
}

static void expect_none(const struct case_decision *d)
{
	assert_int_equal(d->reason, CASE_NONE);
	assert_int_equal(d->level, 0);
	assert_int_equal(d->nids, 0);
	assert_null(case_reason_key(d->reason));
}

static void expect_case(const struct case_decision *d, enum case_reason reason, int level,
			int64_t a, int64_t b, int64_t c)
{
	assert_int_equal(d->reason, reason);
	assert_int_equal(d->level, level);
	assert_int_equal(d->nids, c ? 3 : 2);
	assert_int_equal(d->ids[0], a);
	assert_int_equal(d->ids[1], b);
	if (c)
		assert_int_equal(d->ids[2], c);
}

static void test_escalate_consecutive(void **state)
{
	(void)state;
	const struct ev seq[] = {{2024, true}, {2024, true}, {2024, true}, {2025, true}};
	struct case_decision d[4];
	simulate(seq, 4, d);
	expect_none(&d[0]);
	expect_case(&d[1], CASE_TWO_CONSECUTIVE, 1, 1, 2, 0);
	expect_case(&d[2], CASE_THREE_CONSECUTIVE, 2, 1, 2, 3);
	/* a fourth consecutive fail: level 2 again, the last three */
	expect_case(&d[3], CASE_THREE_CONSECUTIVE, 2, 2, 3, 4);
	assert_string_equal(case_reason_key(d[3].reason), "three_consecutive_fails");
}

static void test_escalate_consecutive_across_years(void **state)
{
	(void)state;
	const struct ev seq[] = {{2024, true}, {2025, true}};
	struct case_decision d[2];
	simulate(seq, 2, d);
	expect_none(&d[0]);
	expect_case(&d[1], CASE_TWO_CONSECUTIVE, 1, 1, 2, 0);
}

static void test_escalate_in_year(void **state)
{
	(void)state;
	const struct ev seq[] = {{2024, true}, {2024, false}, {2024, true}};
	struct case_decision d[3];
	simulate(seq, 3, d);
	expect_none(&d[0]);
	expect_none(&d[1]);
	expect_case(&d[2], CASE_TWO_IN_YEAR, 1, 1, 3, 0);
	assert_string_equal(case_reason_key(d[2].reason), "two_fails_in_year");
}

static void test_escalate_december_january(void **state)
{
	(void)state;
	const struct ev seq[] = {{2024, true}, {2025, false}, {2025, true}};
	struct case_decision d[3];
	simulate(seq, 3, d);
	expect_none(&d[0]);
	expect_none(&d[1]);
	expect_none(&d[2]);
}

static void test_escalate_earlier_fails_in_case(void **state)
{
	(void)state;
	const struct ev seq[] = {{2024, true}, {2024, true},  {2024, false},
				 {2024, true}, {2024, false}, {2024, true}};
	struct case_decision d[6];
	simulate(seq, 6, d);
	expect_none(&d[0]);
	expect_case(&d[1], CASE_TWO_CONSECUTIVE, 1, 1, 2, 0);
	expect_none(&d[2]);
	expect_none(&d[3]); /* 1 and 2 are already in a case */
	expect_none(&d[4]);
	expect_case(&d[5], CASE_TWO_IN_YEAR, 1, 4, 6, 0); /* 4 was in none */
}

static void test_escalate_latest_free_fail(void **state)
{
	(void)state;
	/* given directly: of two earlier free fails of the year, the latest is taken */
	const struct case_eval evals[] = {
		{.id = 10, .year = 2024, .fail = true},
		{.id = 11, .year = 2024},
		{.id = 12, .year = 2024, .fail = true},
		{.id = 13, .year = 2024, .fail = true, .in_case = true},
		{.id = 14, .year = 2024},
		{.id = 15, .year = 2024, .fail = true},
	};
	struct case_decision d;
	scoring_escalate(evals, 6, &d);
	expect_case(&d, CASE_TWO_IN_YEAR, 1, 12, 15, 0);
	/* the same fails in an earlier year do not count */
	struct case_eval other[3] = {
		{.id = 1, .year = 2023, .fail = true},
		{.id = 2, .year = 2024},
		{.id = 3, .year = 2024, .fail = true},
	};
	scoring_escalate(other, 3, &d);
	expect_none(&d);
}

static void test_escalate_pass_and_empty(void **state)
{
	(void)state;
	struct case_decision d;
	const struct case_eval pass[] = {
		{.id = 1, .year = 2024, .fail = true},
		{.id = 2, .year = 2024, .fail = true},
		{.id = 3, .year = 2024},
	};
	scoring_escalate(pass, 3, &d);
	expect_none(&d);
	scoring_escalate(pass, 1, &d);
	expect_none(&d);
	scoring_escalate(pass, 0, &d);
	expect_none(&d);
	const struct ev seq[] = {{2024, false}, {2024, false}};
	struct case_decision ds[2];
	simulate(seq, 2, ds);
	expect_none(&ds[0]);
	expect_none(&ds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_item_every_rating),
		cmocka_unit_test(test_item_seven_points),
		cmocka_unit_test(test_sheet_sum),
		cmocka_unit_test(test_check_penalty),
		cmocka_unit_test(test_check_deduction),
		cmocka_unit_test(test_check_points),
		cmocka_unit_test(test_grade_direct),
		cmocka_unit_test(test_grade_boundaries_rounded),
		cmocka_unit_test(test_provisional_one_phase),
		cmocka_unit_test(test_provisional_two_phases),
		cmocka_unit_test(test_no_phase),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_satisfied_false),
		cmocka_unit_test(test_deductions),
		cmocka_unit_test(test_negative_rounding),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_property_random_sheets),
		cmocka_unit_test(test_escalate_consecutive),
		cmocka_unit_test(test_escalate_consecutive_across_years),
		cmocka_unit_test(test_escalate_in_year),
		cmocka_unit_test(test_escalate_december_january),
		cmocka_unit_test(test_escalate_earlier_fails_in_case),
		cmocka_unit_test(test_escalate_latest_free_fail),
		cmocka_unit_test(test_escalate_pass_and_empty),
	};
	return cmocka_run_group_tests_name("scoring", tests, NULL, NULL);
}
