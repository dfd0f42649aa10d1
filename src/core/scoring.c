/* scoring.c - PROCEDURE §7 and §8: item, sheet and summary scores in tenths, grades, cases */
#include "scoring.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../lib/util.h"

const struct scoring_rules scoring_defaults = SCORING_DEFAULTS;

static const char *const rating_keys[RATING__COUNT] = {
	[RATING_SATISFIED] = "satisfied", [RATING_FAIRLY] = "fairly_satisfied",
	[RATING_AVERAGE] = "average",	  [RATING_ACCEPTABLE] = "acceptable",
	[RATING_SERIOUS] = "serious",
};

static const char *const grade_keys[] = {
	[GRADE_FAIL] = "fail",
	[GRADE_QUALIFIED] = "qualified",
	[GRADE_EXCELLENT] = "excellent",
};

static const char *const phase_keys[PHASE__COUNT] = {
	[PHASE_PRE] = "pre",
	[PHASE_PROCESS] = "process",
	[PHASE_POST] = "post",
};

static const char *const case_keys[] = {
	[CASE_NONE] = NULL,
	[CASE_TWO_CONSECUTIVE] = "two_consecutive_fails",
	[CASE_TWO_IN_YEAR] = "two_fails_in_year",
	[CASE_THREE_CONSECUTIVE] = "three_consecutive_fails",
};

const char *rating_key(enum rating r)
{
	return (unsigned)r < RATING__COUNT ? rating_keys[r] : NULL;
}

int rating_parse(const char *s)
{
	return key_index(rating_keys, RATING__COUNT, s);
}

const char *grade_key(enum grade g)
{
	return (unsigned)g < ARRAY_SIZE(grade_keys) ? grade_keys[g] : NULL;
}

const char *phase_key(enum phase p)
{
	return (unsigned)p < PHASE__COUNT ? phase_keys[p] : NULL;
}

int phase_parse(const char *s)
{
	return key_index(phase_keys, PHASE__COUNT, s);
}

const char *case_reason_key(enum case_reason c)
{
	return (unsigned)c < ARRAY_SIZE(case_keys) ? case_keys[c] : NULL;
}

/* Sums are taken in 64 bits; an unchecked sheet with absurd points saturates, never wraps. */
static int clamp_int(int64_t v)
{
	return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
}

static int64_t item_tenths(const struct scoring_rules *r, const struct rated_item *it)
{
	if (it->rating == RATING_SERIOUS)
		return (int64_t)it->penalty * 10;
	if ((unsigned)it->rating >= RATING_SERIOUS)
		return 0;
	/* points x pct / 100 in tenths; exact for the default percentages, else half up */
	int64_t x = (int64_t)it->points * r->pct[it->rating];
	return x >= 0 ? (x + 5) / 10 : -((-x + 5) / 10);
}

int scoring_item(const struct scoring_rules *r, const struct rated_item *it)
{
	return clamp_int(item_tenths(r, it));
}

int scoring_sheet(const struct scoring_rules *r, const struct rated_item *items, size_t n)
{
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += item_tenths(r, &items[i]);
		sum = clamp_int(sum);
	}
	return (int)sum;
}

int scoring_check(const struct scoring_rules *r, const struct rated_item *items, size_t n,
		  int deduction, struct kf_error *err)
{
	char field[64];
	int64_t points = 0;
	bool serious = false;

	for (size_t i = 0; i < n; i++) {
		const struct rated_item *it = &items[i];
		if ((unsigned)it->rating >= RATING__COUNT) {
			snprintf(field, sizeof(field), "items[%zu].rating", i);
			return kf_fail(err, KF_EINVAL, "invalid", field, "unknown rating");
		}
		if (it->points <= 0) {
			snprintf(field, sizeof(field), "items[%zu].points", i);
			return kf_fail(err, KF_EINVAL, "invalid", field,
				       "an item's points must be a whole number above 0");
		}
		if (it->rating == RATING_SERIOUS) {
			serious = true;
			if (it->penalty < r->penalty_min || it->penalty > r->penalty_max) {
				snprintf(field, sizeof(field), "items[%zu].penalty", i);
				return kf_fail(err, KF_EINVAL, "invalid", field,
					       "a serious item scores %d to %d points, not %d",
					       r->penalty_min, r->penalty_max, it->penalty);
			}
		} else if (it->penalty != 0) {
			snprintf(field, sizeof(field), "items[%zu].penalty", i);
			return kf_fail(err, KF_EINVAL, "invalid", field,
				       "only a serious item carries a penalty");
		}
		points += it->points;
	}
	if (points != 100)
		return kf_fail(err, KF_EINVAL, "invalid", "items",
			       "the items' points add up to %lld, not 100", (long long)points);
	if (serious && (deduction < r->deduction_min || deduction > r->deduction_max))
		return kf_fail(err, KF_EINVAL, "invalid", "summary_deduction",
			       "a sheet with a serious item deducts %d to %d points, not %d",
			       r->deduction_min, r->deduction_max, deduction);
	if (!serious && deduction != 0)
		return kf_fail(err, KF_EINVAL, "invalid", "summary_deduction",
			       "only a sheet with a serious item carries a summary deduction");
	return 0;
}

enum grade scoring_grade(const struct scoring_rules *r, int tenths)
{
	if (tenths >= r->excellent_from)
		return GRADE_EXCELLENT;
	if (tenths >= r->qualified_from)
		return GRADE_QUALIFIED;
	return GRADE_FAIL;
}

/* num / den (den > 0) to the nearest integer, halves away from zero. */
static int64_t div_round(int64_t num, int64_t den)
{
	if (num >= 0)
		return (2 * num + den) / (2 * den);
	return -((-2 * num + den) / (2 * den));
}

void scoring_summary(const struct scoring_rules *r, const bool has[PHASE__COUNT],
		     const int score[PHASE__COUNT], const int deduction[PHASE__COUNT],
		     bool open_serious, struct summary *out)
{
	int64_t weighted = 0, weights = 0, deducted = 0;
	bool all = true, sheets_ok = true;

	memset(out, 0, sizeof(*out));
	for (int p = 0; p < PHASE__COUNT; p++) {
		if (!has[p]) {
			all = false;
			continue;
		}
		weighted += (int64_t)r->weight_pct[p] * score[p];
		weights += r->weight_pct[p];
		deducted += deduction[p];
		if (score[p] < r->satisfied_sheet_from)
			sheets_ok = false;
	}
	out->deduction = clamp_int(deducted);
	out->provisional = !all;
	out->grade = GRADE_FAIL;
	if (weights <= 0)
		return; /* no phase (or only weightless ones): no total */
	/*
	 * total = weighted / weights - 10 x deducted, kept as one fraction so that the only
	 * rounding is the last step: 69.95 becomes 70.0, never 69.9 through an earlier cut.
	 */
	out->has_total = true;
	out->total = clamp_int(div_round(weighted - deducted * 10 * weights, weights));
	out->grade = scoring_grade(r, out->total);
	out->satisfied = all && sheets_ok && !open_serious && out->total >= r->satisfied_total_from;
}

void scoring_escalate(const struct case_eval *evals, size_t n, struct case_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->reason = CASE_NONE;
	if (n == 0 || !evals[n - 1].fail)
		return;

	size_t run = 0; /* consecutive fails ending with the newest */
	while (run < n && evals[n - 1 - run].fail)
		run++;
	if (run >= 2) {
		size_t k = run >= 3 ? 3 : 2;
		out->reason = k == 3 ? CASE_THREE_CONSECUTIVE : CASE_TWO_CONSECUTIVE;
		out->level = k == 3 ? 2 : 1;
		for (size_t i = 0; i < k; i++)
			out->ids[i] = evals[n - k + i].id;
		out->nids = (int)k;
		return;
	}

	const struct case_eval *last = &evals[n - 1];
	for (size_t i = n - 1; i-- > 0;) {
		const struct case_eval *e = &evals[i];
		if (e->fail && !e->in_case && e->year == last->year) {
			out->reason = CASE_TWO_IN_YEAR;
			out->level = 1;
			out->ids[0] = e->id;
			out->ids[1] = last->id;
			out->nids = 2;
			return;
		}
	}
}

void scoring_format(int tenths, char out[16])
{
	int64_t v = tenths;
	const char *sign = "";
	if (v < 0) {
		sign = "-";
		v = -v;
	}
	snprintf(out, 16, "%s%lld.%lld", sign, (long long)(v / 10), (long long)(v % 10));
}
