/* evaluations.c - filling a score sheet (PROCEDURE §6-7): who, which sheet, when, the score */
#include "app.h"
#include "../core/scoring.h"
#include "../core/stage.h"
#include "../lib/text.h"
#include "../store/store.h"

#include <stdio.h>
#include <string.h>

/* Scores leave the store as integer tenths; the API shows them as numbers with one decimal. */
static json_t *tenths_to_points(struct app_ctx *c, json_t *o)
{
	/* Penalty cases and reviews are internal (PROCEDURE §1): customers do not see the links. */
	if (c->who.role == ROLE_CUSTOMER) {
		json_object_del(o, "case_id");
		json_object_del(o, "review_id");
	}
	json_t *score = json_object_get(o, "score");
	if (json_is_integer(score))
		json_object_set_new(o, "score", json_real((double)json_integer_value(score) / 10));
	json_object_set_new(o, "serious", json_boolean(json_integer_value(
						  json_object_get(o, "serious"))));
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(o, "items"), i, it) {
		json_t *s = json_object_get(it, "score");
		json_object_set_new(it, "score", json_real((double)json_integer_value(s) / 10));
		if (json_integer_value(json_object_get(it, "penalty")) == 0)
			json_object_set_new(it, "penalty", json_null());
	}
	return o;
}

/* PROCEDURE §6, which sheet fits which stage. */
static bool stage_fits(enum phase form, enum stage st)
{
	switch (form) {
	case PHASE_PRE:
		return st != STAGE_PRE_CONTRACT; /* from the contract signing on */
	case PHASE_PROCESS:
		return st == STAGE_CONSTRUCTION;
	case PHASE_POST:
		return st == STAGE_WARRANTY;
	default:
		return false;
	}
}

/* "YYYY-MM" (a real month) or, unless month_only, "YYYY-Qn". */
static bool period_ok(const char *p, bool month_only)
{
	int64_t d;
	char buf[11];
	if (strlen(p) != 7 || p[4] != '-')
		return false;
	if (p[5] == 'Q') {
		snprintf(buf, sizeof(buf), "%.4s-01-01", p);
		return !month_only && p[6] >= '1' && p[6] <= '4' && date_parse(buf, &d);
	}
	snprintf(buf, sizeof(buf), "%s-01", p);
	return date_parse(buf, &d);
}

/* The current version of sheet form, as stored (items with key, title, points). */
static json_t *current_form(struct db *db, enum phase form)
{
	json_t *all = store_forms_latest(db), *found = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(all, i, f)
		if (!strcmp(json_string_value(json_object_get(f, "key")), phase_key(form)))
			found = json_incref(f);
	json_decref(all);
	return found;
}

#define MAX_ITEMS 30

/*
 * Match the submitted ratings to the sheet's items: every item rated exactly once, no
 * unknown keys, each rating known, penalty a whole number when given.
 */
static int read_ratings(json_t *form_items, json_t *given, struct rated_item *out,
			int *req_index, struct kf_error *err)
{
	size_t n = json_array_size(form_items);
	bool seen[MAX_ITEMS] = { false };
	size_t i;
	json_t *g;
	json_array_foreach(given, i, g) {
		char field[32];
		snprintf(field, sizeof(field), "items[%zu]", i);
		static const char *const members[] = { "key", "rating", "penalty", NULL };
		int rc = app_check_object(g, field, members, err);
		if (rc < 0)
			return rc;
		const char *key = json_string_value(json_object_get(g, "key"));
		size_t at = n;
		for (size_t f = 0; key && f < n; f++)
			if (!strcmp(key, json_string_value(json_object_get(
						   json_array_get(form_items, f), "key"))))
				at = f;
		if (at == n)
			return kf_fail(err, KF_EINVAL, "invalid", field,
				       "%s.key is not an item of this sheet", field);
		if (seen[at])
			return kf_fail(err, KF_EINVAL, "invalid", field, "item '%s' is rated twice",
				       key);
		seen[at] = true;
		int r = rating_parse(json_string_value(json_object_get(g, "rating")));
		if (r < 0)
			return kf_fail(err, KF_EINVAL, "invalid", field,
				       "%s.rating: satisfied, fairly_satisfied, average, acceptable "
				       "or serious",
				       field);
		json_t *pen = json_object_get(g, "penalty");
		if (pen && !json_is_null(pen) && !json_is_integer(pen))
			return kf_fail(err, KF_EINVAL, "invalid", field,
				       "%s.penalty: a whole number of points", field);
		json_int_t pv = json_integer_value(pen);
		/* A penalty given must be -10..-5 (its own rule is scoring_check()'s to say). */
		if (pen && !json_is_null(pen) && (pv < -100 || pv >= 0)) {
			char pf[48];
			snprintf(pf, sizeof(pf), "%s.penalty", field);
			return kf_fail(err, KF_EINVAL, "invalid", pf, "%s: %d to %d points", pf,
				       app_rules()->penalty_min, app_rules()->penalty_max);
		}
		out[at].points = (int)json_integer_value(
			json_object_get(json_array_get(form_items, at), "points"));
		out[at].rating = (enum rating)r;
		out[at].penalty = pen && !json_is_null(pen) ? (int)pv : 0;
		req_index[at] = (int)i;
	}
	for (size_t f = 0; f < n; f++)
		if (!seen[f])
			return kf_fail(err, KF_EINVAL, "missing_field", "items",
				       "item '%s' is not rated",
				       json_string_value(json_object_get(json_array_get(form_items, f),
									 "key")));
	return 0;
}

/* scoring_check() names items in sheet order ("items[3].penalty"): say it in request order. */
static void item_field_to_request(struct kf_error *err, const int *req_index, size_t n)
{
	unsigned k;
	int used = 0;
	if (sscanf(err->field, "items[%u]%n", &k, &used) == 1 && used > 0 && k < n) {
		char rest[24];
		snprintf(rest, sizeof(rest), "%s", err->field + used);
		snprintf(err->field, sizeof(err->field), "items[%d]%s", req_index[k], rest);
	}
}

/* What a submission is: a first sheet for a project, or the amendment of an evaluation. */
struct submission {
	int64_t project_id;
	const json_t *original; /* the evaluation amended, or NULL */
};

/*
 * Check and store a filled sheet, and in the same transaction open what it triggers (a
 * penalty case, an improvement review). A new sheet is filled on the current version of its
 * sheet and must fit the project's stage; an amendment is filled on the version of the one it
 * replaces, in any later stage (PROCEDURE §6), with the same form and kind.
 */
static int submit(struct app_ctx *c, const struct submission *sub, json_t *body, json_t **out,
		  struct kf_error *err)
{
	const char *kind = json_string_value(json_object_get(body, "kind"));
	const char *date = json_string_value(json_object_get(body, "date"));
	const char *period = json_string_value(json_object_get(body, "period"));
	json_t *jded = json_object_get(body, "summary_deduction");
	int form = phase_parse(json_string_value(json_object_get(body, "form")));
	bool official = kind && !strcmp(kind, "official");
	int64_t day;

	if (form < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "form", "one of pre, process, post");
	if (!official && !(kind && !strcmp(kind, "self_check")))
		return kf_fail(err, KF_EINVAL, "invalid", "kind", "official or self_check");
	if (!date_parse(date, &day))
		return kf_fail(err, KF_EINVAL, "invalid", "date", "not a calendar date YYYY-MM-DD");
	if (period && !period_ok(period, !official))
		return kf_fail(err, KF_EINVAL, "invalid", "period",
			       official ? "YYYY-MM or YYYY-Qn" : "a month, YYYY-MM");
	/*
	 * An amendment: the author rule of the corrected one's kind first (official: cm,
	 * self-check: the project team), then the same form and kind as the one it corrects.
	 */
	const json_t *orig = sub->original;
	if (orig) {
		bool orig_official =
			!strcmp(json_string_value(json_object_get(orig, "kind")), "official");
		if (c->who.role != (orig_official ? ROLE_CM : ROLE_PROJECT))
			return kf_fail(err, KF_EFORBID, "forbidden", "kind",
				       orig_official ? "official evaluations are amended by the "
						       "construction management dept"
						     : "self-checks are amended by the project team");
		if (strcmp(phase_key(form), json_string_value(json_object_get(orig, "form"))))
			return kf_fail(err, KF_ERULE, "amend_mismatch", "form",
				       "an amendment is made on the sheet it corrects (%s)",
				       json_string_value(json_object_get(orig, "form")));
		if (strcmp(kind, json_string_value(json_object_get(orig, "kind"))))
			return kf_fail(err, KF_ERULE, "amend_mismatch", "kind",
				       "an amendment keeps the kind of what it corrects (%s)",
				       json_string_value(json_object_get(orig, "kind")));
	}
	/* Official checks are cm dept's; self-checks the project team's, monthly, on 6.2. */
	if (official && c->who.role != ROLE_CM)
		return kf_fail(err, KF_EFORBID, "forbidden", "kind",
			       "official evaluations are made by the construction management dept");
	if (!official && c->who.role != ROLE_PROJECT)
		return kf_fail(err, KF_EFORBID, "forbidden", "kind",
			       "self-checks are made by the project team");
	if (!official && form != PHASE_PROCESS)
		return kf_fail(err, KF_ERULE, "self_check_form", "form",
			       "a self-check is made on the in-construction sheet (6.2)");
	if (!official && !period)
		return kf_fail(err, KF_EINVAL, "missing_field", "period",
			       "a self-check is for a month, YYYY-MM");
	if (jded && !json_is_null(jded) && !json_is_integer(jded))
		return kf_fail(err, KF_EINVAL, "invalid", "summary_deduction",
			       "a whole number of points");

	json_t *sheet;
	if (orig) {
		if (!json_is_null(json_object_get(orig, "superseded_by")))
			return kf_fail(err, KF_ECONFLICT, "conflict", NULL,
				       "evaluation %lld is already amended by %lld: amend that one",
				       (long long)json_integer_value(json_object_get(orig, "id")),
				       (long long)json_integer_value(
					       json_object_get(orig, "superseded_by")));
		sheet = store_form_get(c->db, json_integer_value(json_object_get(orig, "form_id")));
	} else {
		struct project_state ps;
		if (!app_project_visible(c, sub->project_id) ||
		    store_project_state(c->db, sub->project_id, &ps) < 0)
			return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such project");
		if (!stage_fits((enum phase)form, ps.stage))
			return kf_fail(err, KF_ERULE, "stage_fit", "form",
				       "sheet %s does not fit a project in stage %s",
				       phase_key(form), stage_key(ps.stage));
		sheet = current_form(c->db, (enum phase)form);
	}

	json_t *form_items = json_object_get(sheet, "items");
	size_t n = json_array_size(form_items);
	struct rated_item rated[MAX_ITEMS];
	int req_index[MAX_ITEMS] = { 0 };
	int rc = n && n <= MAX_ITEMS ? 0
				     : kf_fail(err, KF_EINTERNAL, "internal", NULL, "bad sheet");
	if (rc == 0)
		rc = read_ratings(form_items, json_object_get(body, "items"), rated, req_index, err);
	json_int_t dv = json_integer_value(jded);
	if (rc == 0 && (dv < 0 || dv > 100))
		rc = kf_fail(err, KF_EINVAL, "invalid", "summary_deduction", "%d to %d points",
			     app_rules()->deduction_min, app_rules()->deduction_max);
	int deduction = (int)dv;
	if (rc == 0 && (rc = scoring_check(app_rules(), rated, n, deduction, err)) < 0)
		item_field_to_request(err, req_index, n);
	if (rc < 0) {
		json_decref(sheet);
		return rc;
	}

	int score = scoring_sheet(app_rules(), rated, n);
	enum grade grade = scoring_grade(app_rules(), score);
	bool serious = false;
	for (size_t i = 0; i < n; i++)
		serious |= rated[i].rating == RATING_SERIOUS;
	struct evaluation_row row = {
		.project_id = sub->project_id,
		.form_id = json_integer_value(json_object_get(sheet, "id")),
		.amends_id = orig ? json_integer_value(json_object_get(orig, "id")) : 0,
		.user_id = c->who.user_id,
		.created_at = c->now,
		.form = phase_key(form),
		.kind = kind,
		.period = period,
		.date = date,
		.grade = grade_key(grade),
		.customer_rep = json_string_value(json_object_get(body, "customer_rep")),
		.comment = json_string_value(json_object_get(body, "comment")),
		.reason = orig ? json_string_value(json_object_get(body, "reason")) : NULL,
		.score = score,
		.serious = serious,
		.summary_deduction = deduction,
	};
	const char *action = orig ? "evaluation.amend" : "evaluation.submit";
	int64_t id = 0;
	if ((rc = db_begin(c->db)) == 0) {
		/* The project's row lock orders the evaluations that escalation reads. */
		rc = store_lock_project(c->db, sub->project_id);
		if (rc == 0)
			rc = store_evaluation_insert(c->db, &row, &id);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			json_t *fi = json_array_get(form_items, i);
			rc = store_evaluation_item_insert(
				c->db, id, (int)i, json_string_value(json_object_get(fi, "key")),
				json_string_value(json_object_get(fi, "title")), rated[i].points,
				rating_key(rated[i].rating), rated[i].penalty,
				scoring_item(app_rules(), &rated[i]));
		}
		if (rc == 0)
			rc = store_audit_append(c->db, c->who.user_id, action, "evaluation", id,
						c->now);
		if (rc == 0)
			rc = store_audit_append(c->db, c->who.user_id, action, "evaluation_items", id,
						c->now);
		if (rc == 0 && official)
			rc = app_cases_follow(c, sub->project_id, id, grade == GRADE_FAIL, serious);
		rc = app_finish(c->db, rc);
	}
	json_decref(sheet);
	/* Two amendments of one evaluation at once: the UNIQUE amends_id lets one win. */
	if (rc == KF_ECONFLICT && orig)
		return kf_fail(err, rc, "conflict", NULL, "the evaluation was amended meanwhile");
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	return app_evaluation_get(c, id, out, err);
}

int app_evaluation_create(struct app_ctx *c, int64_t project_id, json_t *body, json_t **out,
			  struct kf_error *err)
{
	struct submission sub = { .project_id = project_id };
	return submit(c, &sub, body, out, err);
}

int app_evaluation_amend(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
			 struct kf_error *err)
{
	json_t *orig = store_evaluation_get(c->db, &c->who, id);
	if (!orig)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such evaluation");
	struct submission sub = {
		.project_id = json_integer_value(json_object_get(orig, "project_id")),
		.original = orig,
	};
	int rc = submit(c, &sub, body, out, err);
	json_decref(orig);
	return rc;
}

int app_evaluation_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	*out = store_evaluation_get(c->db, &c->who, id);
	if (!*out)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such evaluation");
	tenths_to_points(c, *out);
	return 0;
}

int app_evaluations_list(struct app_ctx *c, int64_t project_id, json_t **out,
			 struct kf_error *err)
{
	if (!app_project_visible(c, project_id))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such project");
	*out = store_evaluations_list(c->db, &c->who, project_id);
	size_t i;
	json_t *e;
	json_array_foreach(*out, i, e)
		tenths_to_points(c, e);
	return 0;
}

bool app_evaluation_visible(struct app_ctx *c, int64_t id)
{
	json_t *o = store_evaluation_get(c->db, &c->who, id);
	json_decref(o);
	return o != NULL;
}
