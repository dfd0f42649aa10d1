/* summaries.c - record 6.4: the satisfaction summary of a project and the company's quarterly table */
#include "app.h"
#include "../core/scoring.h"
#include "../lib/text.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One project's row of the table: the sheets it uses and what PROCEDURE §7 makes of them. */
struct sum_row {
	json_t *first; /* the project's first sheet row (code, name, stage) */
	int64_t project_id;
	bool has[PHASE__COUNT];
	int score[PHASE__COUNT];
	int deduction[PHASE__COUNT];
	json_t *sheet[PHASE__COUNT]; /* the sheet row used, borrowed */
	bool open_serious;
	struct summary s;
	/* sorting: the key and its direction, per row so that sorting needs no globals */
	int key;
	bool desc;
};

static const char *const sort_keys[] = { "code",	  "name",  "pre",   "process",
					 "post",	  "deduction", "total", "grade",
					 "satisfied" };
enum { SORT_CODE, SORT_NAME, SORT_PRE, SORT_PROCESS, SORT_POST, SORT_DEDUCTION, SORT_TOTAL,
       SORT_GRADE, SORT_SATISFIED };

static const char *row_text(const struct sum_row *r, const char *key)
{
	return json_string_value(json_object_get(r->first, key));
}

/* Whether r has a value for its sort key (rows without one sort last either way). */
static bool sort_value(const struct sum_row *r, int64_t *v)
{
	switch (r->key) {
	case SORT_PRE:
	case SORT_PROCESS:
	case SORT_POST:
		*v = r->score[r->key - SORT_PRE];
		return r->has[r->key - SORT_PRE];
	case SORT_DEDUCTION:
		*v = r->s.deduction;
		return true;
	case SORT_TOTAL:
		*v = r->s.total;
		return r->s.has_total;
	case SORT_GRADE:
		*v = r->s.grade;
		return r->s.has_total;
	case SORT_SATISFIED:
		*v = r->s.satisfied;
		return true;
	default:
		*v = 0;
		return true;
	}
}

static int compare_rows(const void *pa, const void *pb)
{
	const struct sum_row *a = pa, *b = pb;
	int d = 0;
	if (a->key == SORT_CODE || a->key == SORT_NAME) {
		const char *k = a->key == SORT_CODE ? "code" : "name";
		d = strcmp(row_text(a, k), row_text(b, k));
	} else {
		int64_t va, vb;
		bool ha = sort_value(a, &va), hb = sort_value(b, &vb);
		if (ha != hb)
			return ha ? -1 : 1; /* missing values last */
		d = (va > vb) - (va < vb);
	}
	if (a->desc)
		d = -d;
	return d ? d : strcmp(row_text(a, "code"), row_text(b, "code"));
}

static json_t *tenths_json(int t)
{
	return json_real((double)t / 10);
}

static json_t *row_json(const struct sum_row *r)
{
	json_t *phases = json_object();
	for (int p = 0; p < PHASE__COUNT; p++) {
		json_t *sh = r->sheet[p];
		json_object_set_new(phases, phase_key((enum phase)p),
				    r->has[p] ? json_pack("{so sO sO si}", "score",
							  tenths_json(r->score[p]),
							  "evaluation_id", json_object_get(sh, "id"),
							  "date", json_object_get(sh, "date"),
							  "deduction", r->deduction[p])
					      : json_null());
	}
	json_t *o = json_pack("{sI so si so sb}", "project_id", (json_int_t)r->project_id, "phases",
			      phases, "deduction", r->s.deduction, "total",
			      r->s.has_total ? tenths_json(r->s.total) : json_null(), "provisional",
			      r->s.provisional);
	json_object_set_new(o, "grade",
			    r->s.has_total ? json_string(grade_key(r->s.grade)) : json_null());
	json_object_set_new(o, "satisfied_project", json_boolean(r->s.satisfied));
	if (r->first) {
		json_object_set(o, "code", json_object_get(r->first, "code"));
		json_object_set(o, "name", json_object_get(r->first, "name"));
		json_object_set(o, "stage", json_object_get(r->first, "stage"));
	}
	return o;
}

/* Fold the sheet rows (ordered by project, date, id) into one row per project. */
static struct sum_row *fold(json_t *sheets, size_t *nrows)
{
	struct sum_row *rows = NULL;
	size_t n = 0, alloc = 0;
	size_t i;
	json_t *sh;
	json_array_foreach(sheets, i, sh) {
		int64_t pid = json_integer_value(json_object_get(sh, "project_id"));
		if (!n || rows[n - 1].project_id != pid) {
			ALLOC_GROW(rows, n + 1, alloc);
			rows[n++] = (struct sum_row){ .first = sh, .project_id = pid };
		}
		struct sum_row *r = &rows[n - 1];
		int p = phase_parse(json_string_value(json_object_get(sh, "form")));
		if (p < 0)
			continue;
		/* later rows are later sheets: the last one of a phase is the one used */
		r->has[p] = true;
		r->score[p] = (int)json_integer_value(json_object_get(sh, "score"));
		r->deduction[p] = (int)json_integer_value(json_object_get(sh, "summary_deduction"));
		r->sheet[p] = sh;
		r->open_serious = json_integer_value(json_object_get(sh, "open_serious")) != 0;
	}
	for (size_t k = 0; k < n; k++)
		scoring_summary(app_rules(), rows[k].has, rows[k].score, rows[k].deduction,
				rows[k].open_serious, &rows[k].s);
	*nrows = n;
	return rows;
}

int app_project_summary(struct app_ctx *c, int64_t project_id, json_t **out,
			struct kf_error *err)
{
	if (!app_project_visible(c, project_id))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such project");
	json_t *sheets = store_summary_sheets(c->db, &c->who, project_id, "9999-12-31");
	size_t n;
	struct sum_row *rows = fold(sheets, &n);
	struct sum_row none = { .project_id = project_id };
	if (!n)
		scoring_summary(app_rules(), none.has, none.score, none.deduction, false,
				&none.s);
	*out = row_json(n ? &rows[0] : &none);
	/* The project's own page knows its code and name; its summary is the numbers. */
	json_object_del(*out, "code");
	json_object_del(*out, "name");
	json_object_del(*out, "stage");
	free(rows);
	json_decref(sheets);
	return 0;
}

/* "2026-Q3" -> "2026-09-30", the quarter's last day. */
static bool quarter_end(const char *q, char out[11])
{
	static const char *const ends[] = { "03-31", "06-30", "09-30", "12-31" };
	int64_t day;
	if (!q || strlen(q) != 7 || q[4] != '-' || q[5] != 'Q' || q[6] < '1' || q[6] > '4')
		return false;
	snprintf(out, 11, "%.4s-%s", q, ends[q[6] - '1']);
	return date_parse(out, &day);
}

int app_summaries(struct app_ctx *c, const char *quarter, const char *sort, json_t **out,
		  struct kf_error *err)
{
	char until[11];
	if (!quarter)
		return kf_fail(err, KF_EINVAL, "missing_field", "quarter",
			       "the quarter of the table, YYYY-Qn");
	if (!quarter_end(quarter, until))
		return kf_fail(err, KF_EINVAL, "invalid", "quarter", "a quarter, YYYY-Qn");
	bool desc = sort && sort[0] == '-';
	int key = sort ? key_index(sort_keys, (int)ARRAY_SIZE(sort_keys), desc ? sort + 1 : sort) : SORT_CODE;
	if (key < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "sort",
			       "one of code, name, pre, process, post, deduction, total, grade, "
			       "satisfied, optionally after -");

	json_t *sheets = store_summary_sheets(c->db, &c->who, 0, until);
	size_t n;
	struct sum_row *rows = fold(sheets, &n);
	for (size_t i = 0; i < n; i++) {
		rows[i].key = key;
		rows[i].desc = desc;
	}
	if (n) /* rows is NULL for an empty table; qsort(NULL, 0, ...) is undefined */
		qsort(rows, n, sizeof(*rows), compare_rows);
	*out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(*out, row_json(&rows[i]));
	free(rows);
	json_decref(sheets);
	return 0;
}
