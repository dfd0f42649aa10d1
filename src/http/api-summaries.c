/* api-summaries.c - record 6.4: a project's summary, the company's quarterly table (JSON, CSV) */
#include "http.h"
#include "../lib/csv.h"

#include <stdio.h>
#include <string.h>

static int h_project(struct req *r)
{
	json_t *out = NULL;
	int rc = app_project_summary(&r->ctx, r->ids[0], &out, &r->err);
	return reply_result(r, rc, 200, out);
}

/* Whether the client asks for CSV rather than JSON. */
static bool wants_csv(struct req *r)
{
	const char *accept =
		evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Accept");
	return accept && strstr(accept, "text/csv");
}

static void csv_score(struct buf *b, json_t *v)
{
	char s[24] = "";
	if (json_is_number(v))
		snprintf(s, sizeof(s), "%.1f", json_number_value(v));
	csv_raw(b, s, false);
}

/*
 * The table as a spreadsheet opens it: a UTF-8 byte-order mark (or Excel reads the Chinese
 * as the local code page), the header in Chinese unless lang=en, one row per project.
 */
static void render_csv(struct buf *b, json_t *rows, bool en)
{
	static const char *const phases[] = { "pre", "process", "post" };
	static const char *const grades_zh[][2] = {
		{ "fail", "不合格" }, { "qualified", "合格" }, { "excellent", "优良" } };
	buf_adds(b, "\xEF\xBB\xBF");
	buf_adds(b, en ? "code,name,pre,process,post,deduction,total,grade,satisfied_project,"
			 "provisional"
		       : "项目编号,项目名称,前期(6.1),过程(6.2),后期(6.3),扣分,总分,等级,满意工程,暂定");
	csv_end_row(b);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		csv_text(b, json_string_value(json_object_get(row, "code")), true);
		csv_text(b, json_string_value(json_object_get(row, "name")), false);
		json_t *ph = json_object_get(row, "phases");
		for (size_t p = 0; p < 3; p++)
			csv_score(b, json_object_get(json_object_get(ph, phases[p]), "score"));
		char ded[24];
		snprintf(ded, sizeof(ded), "%lld",
			 (long long)json_integer_value(json_object_get(row, "deduction")));
		csv_raw(b, ded, false);
		csv_score(b, json_object_get(row, "total"));
		const char *g = json_string_value(json_object_get(row, "grade"));
		const char *gl = g ? g : "";
		for (size_t k = 0; !en && g && k < 3; k++)
			if (!strcmp(g, grades_zh[k][0]))
				gl = grades_zh[k][1];
		csv_raw(b, gl, false);
		bool sat = json_is_true(json_object_get(row, "satisfied_project"));
		bool prov = json_is_true(json_object_get(row, "provisional"));
		csv_raw(b, en ? (sat ? "1" : "0") : (sat ? "是" : "否"), false);
		csv_raw(b, en ? (prov ? "1" : "0") : (prov ? "是" : "否"), false);
		csv_end_row(b);
	}
}

static int h_table(struct req *r)
{
	json_t *out = NULL;
	const char *quarter = req_query(r, "quarter");
	int rc = app_summaries(&r->ctx, quarter, req_query(r, "sort"), &out, &r->err);
	if (rc < 0 || !wants_csv(r))
		return reply_result(r, rc, 200, out);
	const char *lang = req_query(r, "lang");
	render_csv(&r->raw, out, lang && !strcmp(lang, "en"));
	json_decref(out);
	r->content_type = "text/csv; charset=utf-8";
	r->disposition = xasprintf("attachment; filename=\"summary-%s.csv\"", quarter);
	r->status = 200;
	return 0;
}

const struct route api_summaries_routes[] = {
	{ "GET", "/api/v1/projects/{id}/summary", h_project, ROLES_ANY, EXEC_READ, NULL,
	  OBJ_PROJECT, 0 },
	{ "GET", "/api/v1/summaries", h_table, ROLES_STAFF, EXEC_READ, NULL, OBJ_NONE, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
