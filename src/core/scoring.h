/* scoring.h - PROCEDURE §7 and §8: sheet scores, the 6.4 summary, grades, penalty cases */
#ifndef KF_SCORING_H
#define KF_SCORING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/util.h"

/*
 * Every score is an integer number of tenths of a point ("875" is 87.5), so that weighting
 * and rounding give the same result on every machine and engine. No floating point.
 */

/* P-5.5.3: the five ratings of an item. */
enum rating { RATING_SATISFIED, RATING_FAIRLY, RATING_AVERAGE, RATING_ACCEPTABLE,
	      RATING_SERIOUS, RATING__COUNT };
const char *rating_key(enum rating r); /* "satisfied" ... "serious" */
int rating_parse(const char *s);       /* -1 when unknown */

/* P-5.5.1: grades of a score. */
enum grade { GRADE_FAIL, GRADE_QUALIFIED, GRADE_EXCELLENT };
const char *grade_key(enum grade g); /* "fail", "qualified", "excellent" */

/* The three scored sheets and their weights in the summary (P-5.5.2: 0.2, 0.5, 0.3). */
enum phase { PHASE_PRE, PHASE_PROCESS, PHASE_POST, PHASE__COUNT };
const char *phase_key(enum phase p); /* "pre", "process", "post" */
int phase_parse(const char *s);

/* Settings of the readings (PROCEDURE marks them **Reading**), defaults in scoring_defaults. */
struct scoring_rules {
	int weight_pct[PHASE__COUNT]; /* 20, 50, 30: must add up to 100 */
	int pct[RATING_SERIOUS];       /* item score as % of its points: 100, 90, 70, 50 */
	int penalty_min, penalty_max;  /* a serious item scores -10..-5 points (as given, < 0) */
	int deduction_min, deduction_max; /* summary deduction of a sheet with a serious item: 5..20 */
	int qualified_from;  /* tenths: 700 -> 70.0 is qualified */
	int excellent_from;  /* tenths: 900 -> 90.0 is excellent */
	int satisfied_total_from; /* tenths: 900: total for a customer-service-satisfied project */
	int satisfied_sheet_from; /* tenths: 800: every sheet at least this */
};
/* The readings of PROCEDURE §7 as written; a company's settings may change them. */
#define SCORING_DEFAULTS                                                                   \
	{                                                                                   \
		.weight_pct = {[PHASE_PRE] = 20, [PHASE_PROCESS] = 50, [PHASE_POST] = 30},  \
		.pct = {[RATING_SATISFIED] = 100, [RATING_FAIRLY] = 90,                     \
			[RATING_AVERAGE] = 70, [RATING_ACCEPTABLE] = 50},                   \
		.penalty_min = -10, .penalty_max = -5, .deduction_min = 5,                  \
		.deduction_max = 20, .qualified_from = 700, .excellent_from = 900,          \
		.satisfied_total_from = 900, .satisfied_sheet_from = 800,                   \
	}
extern const struct scoring_rules scoring_defaults;

/* One rated item of a sheet. penalty (whole points, negative) only for RATING_SERIOUS. */
struct rated_item {
	int points; /* the item's standard points (whole points, > 0) */
	enum rating rating;
	int penalty; /* -10..-5 when serious, else 0 */
};

/*
 * Score of one item in tenths: points x 100/90/70/50 % (7 points at 90 % is 63 = 6.3), or
 * the penalty x 10 when serious. Item scores of whole-point items are always whole tenths
 * because the percentages are multiples of 10.
 */
int scoring_item(const struct scoring_rules *r, const struct rated_item *it);

/* Sheet score in tenths: the sum of its item scores (may be negative; not clamped). */
int scoring_sheet(const struct scoring_rules *r, const struct rated_item *items, size_t n);

/*
 * Check a sheet as submitted: points add up to 100 (KF_EINVAL field "items"); penalty within
 * bounds exactly when serious (field "items[i].penalty"); deduction within bounds exactly when
 * some item is serious, else 0 (field "summary_deduction"). err names the field.
 */
int scoring_check(const struct scoring_rules *r, const struct rated_item *items, size_t n,
		  int deduction, struct kf_error *err);

/* Grade of a score in tenths (P-5.5.1, boundaries 70.0 qualified, 90.0 excellent). */
enum grade scoring_grade(const struct scoring_rules *r, int tenths);

/*
 * The 6.4 summary of a project (P-5.5.2). has[p] says whether phase p has an official sheet;
 * score[p] is its score (tenths), deduction[p] its summary deduction (whole points).
 * total = sum(weight_p x score_p) / sum(weight_p over present phases) - sum(deductions), in
 * tenths, rounded half up (away from zero for .5) at the end only; provisional when a phase is
 * missing (**Reading**: missing phases are left out, the present weights scaled to 1).
 * satisfied: all three phases present, total >= 90.0, every sheet >= 80.0, no open serious
 * problem (open_serious false). With no phase at all, has_total is false.
 */
struct summary {
	bool has_total;
	int total; /* tenths */
	int deduction; /* whole points, summed */
	bool provisional;
	enum grade grade;
	bool satisfied;
};
void scoring_summary(const struct scoring_rules *r, const bool has[PHASE__COUNT],
		     const int score[PHASE__COUNT], const int deduction[PHASE__COUNT],
		     bool open_serious, struct summary *out);

/*
 * P-5.5.4 / §8 escalation, by the Reading: the official evaluations of one project ordered by
 * date (then id), each with its grade judged on its own score, and whether it is already part
 * of a case. For the newest one (the last in the array), which case it opens, if any:
 *  - level 2, three_consecutive_fails: it fails and is the third or later of a run of
 *    consecutive fails (the case covers the last three);
 *  - else level 1, two_consecutive_fails: it fails and is the second of such a run (the last two);
 *  - else level 1, two_fails_in_year: it fails and an earlier fail of the same calendar year is
 *    in no case yet (the case covers that earlier one, the latest such, and this one);
 *  - else none.
 */
struct case_eval {
	int64_t id;
	int year;    /* calendar year of its date */
	bool fail;
	bool in_case;
};
enum case_reason { CASE_NONE, CASE_TWO_CONSECUTIVE, CASE_TWO_IN_YEAR, CASE_THREE_CONSECUTIVE };
const char *case_reason_key(enum case_reason c); /* "two_consecutive_fails", ... */
struct case_decision {
	enum case_reason reason;
	int level;          /* 1 or 2; 0 with CASE_NONE */
	int64_t ids[3];     /* the evaluations the case covers, oldest first */
	int nids;
};
void scoring_escalate(const struct case_eval *evals, size_t n, struct case_decision *out);

/* Format tenths as "87.5" / "-3.0" into out (at least 16 bytes). */
void scoring_format(int tenths, char out[16]);

#endif
