/* cases.c - what a failing check sets off: penalty cases (PROCEDURE §8), improvement reviews (§6) */
#include "app.h"
#include "../core/scoring.h"
#include "../lib/text.h"
#include "../store/store.h"

#include <stdlib.h>
#include <string.h>

static struct official_eval *find_eval(struct official_eval *all, size_t n, int64_t id)
{
	/* all is in id order */
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (all[mid].id == id)
			return &all[mid];
		if (all[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int by_date_then_id(const void *a, const void *b)
{
	const struct official_eval *x = *(const struct official_eval *const *)a;
	const struct official_eval *y = *(const struct official_eval *const *)b;
	int d = strcmp(x->date, y->date);
	return d ? d : (x->id > y->id) - (x->id < y->id);
}

/*
 * The case evaluation id opens, by the §8 Reading, judged over the project's official
 * evaluations that no amendment replaced, ordered by date, up to and including it. An
 * amendment stands where the evaluation it replaces stood in every case: covered when that
 * one was covered, and it opens none when that one opened one.
 */
static int open_case(struct app_ctx *c, int64_t project_id, int64_t id)
{
	struct official_eval *all;
	size_t n;
	int rc = store_official_evals(c->db, project_id, &all, &n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct official_eval *orig =
			all[i].amends_id ? find_eval(all, i, all[i].amends_id) : NULL;
		if (orig) {
			all[i].covered |= orig->covered;
			all[i].opened_case |= orig->opened_case;
		}
	}
	struct official_eval *self = find_eval(all, n, id);
	struct official_eval **live = xcalloc(n ? n : 1, sizeof(*live));
	struct case_eval *run = xcalloc(n ? n : 1, sizeof(*run));
	size_t nlive = 0, upto = 0;
	if (self && self->fail && !self->opened_case) {
		for (size_t i = 0; i < n; i++)
			if (!all[i].superseded)
				live[nlive++] = &all[i];
		qsort(live, nlive, sizeof(*live), by_date_then_id);
		for (size_t i = 0; i < nlive && upto == 0; i++) {
			run[i] = (struct case_eval){
				.id = live[i]->id,
				.year = atoi(live[i]->date),
				.fail = live[i]->fail,
				.in_case = live[i]->covered,
			};
			if (live[i] == self)
				upto = i + 1;
		}
	}
	struct case_decision d = { .reason = CASE_NONE };
	if (upto)
		scoring_escalate(run, upto, &d);
	if (d.reason != CASE_NONE) {
		int64_t case_id = 0;
		rc = store_case_insert(c->db, project_id, id, d.level, case_reason_key(d.reason),
				       d.ids, d.nids, c->now, &case_id);
		if (rc == 0)
			rc = store_audit_append(c->db, c->who.user_id, "penalty_case.open",
						"penalty_case", case_id, c->now);
		if (rc == 0)
			rc = store_audit_append(c->db, c->who.user_id, "penalty_case.open",
						"penalty_case_evaluations", case_id, c->now);
	}
	free(run);
	free(live);
	free(all);
	return rc;
}

int app_cases_follow(struct app_ctx *c, int64_t project_id, int64_t evaluation_id, bool fail,
		     bool serious)
{
	int rc = 0;
	if (fail)
		rc = open_case(c, project_id, evaluation_id);
	if (rc < 0 || !(fail || serious))
		return rc;
	/*
	 * Every failing or serious official evaluation opens its own review, an amendment too:
	 * one amended while the original's review is still open may add a serious item that
	 * review was not opened for.
	 */
	int64_t review_id = 0;
	rc = store_review_insert(c->db, project_id, evaluation_id, fail, serious, c->now,
				 &review_id);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, "review.open", "review", review_id,
					c->now);
	return rc;
}

/* ---- reading and deciding ---- */

/* The list filters: project_id (an id) and status (one of two words). */
static int list_filters(const char *project, const char *status, const char *s1,
			const char *s2, int64_t *project_id, struct kf_error *err)
{
	*project_id = 0;
	if (project && !parse_id(project, project_id))
		return kf_fail(err, KF_EINVAL, "invalid", "project_id", "not a valid id");
	if (status && strcmp(status, s1) && strcmp(status, s2))
		return kf_fail(err, KF_EINVAL, "invalid", "status", "%s or %s", s1, s2);
	return 0;
}

/* Scores leave the store in tenths; booleans as 0/1. */
static void case_json(json_t *c)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(c, "evaluations"), i, e) {
		json_t *s = json_object_get(e, "score");
		json_object_set_new(e, "score", json_real((double)json_integer_value(s) / 10));
	}
}

static void review_json(json_t *r)
{
	json_object_set_new(r, "score",
			    json_real((double)json_integer_value(json_object_get(r, "score")) / 10));
	json_object_set_new(r, "serious",
			    json_boolean(json_integer_value(json_object_get(r, "serious"))));
	json_object_set_new(r, "fail", json_boolean(json_integer_value(json_object_get(r, "fail"))));
}

/*
 * Penalty cases and reviews share their life: listed and read by staff in their projects'
 * scope (never by customers), settled once with a text, each step audited.
 */
struct record_kind {
	const char *noun, *done;   /* "penalty case", its settled status */
	const char *entity, *action; /* in the audit log */
	const char *text;          /* the member of the settling body */
	json_t *(*get)(struct db *db, const struct actor *who, int64_t id);
	json_t *(*list)(struct db *db, const struct actor *who, int64_t project_id,
			const char *status);
	int (*settle)(struct db *db, int64_t id, const char *text, int64_t user_id, int64_t now);
	void (*to_json)(json_t *o);
};

static const struct record_kind penalty_cases = {
	"penalty case", "decided", "penalty_case", "penalty_case.decide", "text",
	store_case_get, store_cases_list, store_case_decide, case_json,
};

static const struct record_kind reviews = {
	"review", "closed", "review", "review.close", "findings",
	store_review_get, store_reviews_list, store_review_close, review_json,
};

static int records_list(struct app_ctx *c, const struct record_kind *k, const char *project,
			const char *status, json_t **out, struct kf_error *err)
{
	int64_t pid;
	int rc = list_filters(project, status, "open", k->done, &pid, err);
	if (rc < 0)
		return rc;
	*out = k->list(c->db, &c->who, pid, status);
	size_t i;
	json_t *o;
	json_array_foreach(*out, i, o)
		k->to_json(o);
	return 0;
}

static json_t *record_fetch(struct app_ctx *c, const struct record_kind *k, int64_t id)
{
	return c->who.role == ROLE_CUSTOMER ? NULL : k->get(c->db, &c->who, id);
}

static int record_get(struct app_ctx *c, const struct record_kind *k, int64_t id, json_t **out,
		      struct kf_error *err)
{
	if (!(*out = record_fetch(c, k, id)))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such %s", k->noun);
	k->to_json(*out);
	return 0;
}

static bool record_visible(struct app_ctx *c, const struct record_kind *k, int64_t id)
{
	json_t *o = record_fetch(c, k, id);
	json_decref(o);
	return o != NULL;
}

static int record_settle(struct app_ctx *c, const struct record_kind *k, int64_t id,
			 json_t *body, json_t **out, struct kf_error *err)
{
	const char *text = json_string_value(json_object_get(body, k->text));
	int rc = db_begin(c->db);
	if (rc == 0)
		rc = k->settle(c->db, id, text, c->who.user_id, c->now);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, k->action, k->entity, id, c->now);
	rc = app_finish(c->db, rc);
	if (rc == KF_ECONFLICT)
		return kf_fail(err, rc, "conflict", NULL, "the %s is %s already", k->noun, k->done);
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	return record_get(c, k, id, out, err);
}

int app_cases_list(struct app_ctx *c, const char *project, const char *status, json_t **out,
		   struct kf_error *err)
{
	return records_list(c, &penalty_cases, project, status, out, err);
}

int app_case_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	return record_get(c, &penalty_cases, id, out, err);
}

bool app_case_visible(struct app_ctx *c, int64_t id)
{
	return record_visible(c, &penalty_cases, id);
}

int app_case_decide(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		    struct kf_error *err)
{
	return record_settle(c, &penalty_cases, id, body, out, err);
}

int app_reviews_list(struct app_ctx *c, const char *project, const char *status, json_t **out,
		     struct kf_error *err)
{
	return records_list(c, &reviews, project, status, out, err);
}

int app_review_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	return record_get(c, &reviews, id, out, err);
}

bool app_review_visible(struct app_ctx *c, int64_t id)
{
	return record_visible(c, &reviews, id);
}

int app_review_close(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		     struct kf_error *err)
{
	return record_settle(c, &reviews, id, body, out, err);
}
