/* forms.c - the score sheets: shipped defaults, reading them, publishing new versions */
#include "app.h"
#include "../core/forms.h"
#include "../core/scoring.h"
#include "../lib/text.h"
#include "../store/store.h"

#include <stdio.h>
#include <string.h>

static json_t *items_json(const struct form_item *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{ss ss ss si}", "key", items[i].key, "title",
						   items[i].title_zh, "title_en", items[i].title_en,
						   "points", items[i].points));
	return a;
}

int app_forms_ensure(struct db *db, int64_t now)
{
	for (int p = 0; p < PHASE__COUNT; p++) {
		const struct form_template *t = forms_default((enum phase)p);
		if (store_forms_present(db, phase_key(t->phase)))
			continue;
		int rc = db_begin(db);
		if (rc < 0)
			return rc;
		/* Servers starting together: look again holding the writers' lock. */
		rc = store_lock_writers(db);
		if (rc == 0 && store_forms_present(db, phase_key(t->phase))) {
			db_rollback(db);
			continue;
		}
		json_t *items = items_json(t->items, t->nitems);
		int64_t id = 0;
		if (rc == 0)
			rc = store_form_insert(db, phase_key(t->phase), t->record, t->title_zh,
					       t->title_en, items, 0, now, &id);
		json_decref(items);
		if (rc == 0)
			rc = store_audit_append(db, 0, "form.publish", "form_version", id, now);
		if ((rc = app_finish(db, rc)) < 0)
			return rc;
	}
	return 0;
}

/* The API's view of a sheet version: its weight in the 6.4 summary added. */
static json_t *with_weight(json_t *form)
{
	int p = phase_parse(json_string_value(json_object_get(form, "key")));
	if (p >= 0)
		json_object_set_new(form, "weight", json_integer(app_rules()->weight_pct[p]));
	return form;
}

json_t *app_forms_list(struct app_ctx *c)
{
	json_t *a = store_forms_latest(c->db);
	size_t i;
	json_t *f;
	json_array_foreach(a, i, f)
		with_weight(f);
	return a;
}

int app_form_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	*out = store_form_get(c->db, id);
	if (!*out)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such form version");
	with_weight(*out);
	return 0;
}

static bool key_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 40 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* One item of a published sheet: {key, title, title_en?, points}, nothing else. */
static int check_item(json_t *it, size_t i, struct form_item *out, struct kf_error *err)
{
	char field[48];
	snprintf(field, sizeof(field), "items[%zu]", i);
	static const char *const members[] = { "key", "title", "title_en", "points", NULL };
	int rc = app_check_object(it, field, members, err);
	if (rc < 0)
		return rc;
	const char *key = json_string_value(json_object_get(it, "key"));
	const char *title = json_string_value(json_object_get(it, "title"));
	json_t *en = json_object_get(it, "title_en");
	json_t *points = json_object_get(it, "points");
	if (!key || !key_ok(key))
		return kf_fail(err, KF_EINVAL, "invalid", field,
			       "%s.key: 1-40 of a-z, 0-9 and '_', starting with a letter", field);
	if (!title || !utf8_chars(title) || utf8_chars(title) > 100 || !text_clean(title, false) ||
	    strlen(title) != json_string_length(json_object_get(it, "title")))
		return kf_fail(err, KF_EINVAL, "invalid", field, "%s.title: 1-100 characters",
			       field);
	if (en && (!json_is_string(en) || utf8_chars(json_string_value(en)) > 200 ||
		   !text_clean(json_string_value(en), false) ||
		   strlen(json_string_value(en)) != json_string_length(en)))
		return kf_fail(err, KF_EINVAL, "invalid", field, "%s.title_en: up to 200 characters",
			       field);
	if (!json_is_integer(points))
		return kf_fail(err, KF_EINVAL, "invalid", field, "%s.points: a whole number", field);
	out->key = key;
	out->title_zh = title;
	out->title_en = en ? json_string_value(en) : "";
	/* Anything outside 1..100 becomes 0, which forms_check() refuses for this item. */
	json_int_t pts = json_integer_value(points);
	out->points = pts < 1 || pts > 100 ? 0 : (int)pts;
	return 0;
}

int app_form_publish(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err)
{
	int p = phase_parse(json_string_value(json_object_get(body, "key")));
	if (p < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "key", "one of pre, process, post");
	json_t *items = json_object_get(body, "items");
	size_t n = json_array_size(items);
	struct form_item parsed[30];
	if (n > 30)
		return kf_fail(err, KF_EINVAL, "too_long", "items", "a sheet has at most 30 items");
	for (size_t i = 0; i < n; i++) {
		int rc = check_item(json_array_get(items, i), i, &parsed[i], err);
		if (rc < 0)
			return rc;
	}
	int rc = forms_check(parsed, n, err);
	if (rc < 0)
		return rc;

	/* Titles not given are kept from the sheet as it is now. */
	const struct form_template *t = forms_default((enum phase)p);
	json_t *latest = store_forms_latest(c->db), *cur = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(latest, i, f)
		if (!strcmp(json_string_value(json_object_get(f, "key")), phase_key((enum phase)p)))
			cur = f;
	const char *title = json_string_value(json_object_get(body, "title"));
	const char *title_en = json_string_value(json_object_get(body, "title_en"));
	if (!title)
		title = cur ? json_string_value(json_object_get(cur, "title")) : t->title_zh;
	if (!title_en)
		title_en = cur ? json_string_value(json_object_get(cur, "title_en")) : t->title_en;

	json_t *clean = items_json(parsed, n);
	int64_t id = 0;
	if ((rc = db_begin(c->db)) == 0) {
		rc = store_form_insert(c->db, phase_key((enum phase)p), t->record, title, title_en,
				       clean, c->who.user_id, c->now, &id);
		if (rc == 0)
			rc = store_audit_append(c->db, c->who.user_id, "form.publish", "form_version",
						id, c->now);
		rc = app_finish(c->db, rc);
	}
	json_decref(clean);
	json_decref(latest);
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	return app_form_get(c, id, out, err);
}
