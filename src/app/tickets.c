/* tickets.c - requests, complaints and repairs (PROCEDURE §4): receive, move, read, queue */
#include "app.h"
#include "../core/settings.h"
#include "../core/ticket.h"
#include "../lib/text.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const channels[] = { "portal", "phone", "visit", "email",
					"fax",	  "meeting", "letter" };

static bool is_channel(const char *s)
{
	return key_index(channels, (int)ARRAY_SIZE(channels), s) >= 0;
}

/* ---- reading ---- */

static bool is_true(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key)) != 0;
}

/*
 * The deadlines as of now (P-5.3.3) of every ticket in the array: the first response, and the
 * time the customer required; the overdue ones name whom they escalate to.
 */
static void add_clocks(struct app_ctx *c, json_t *tickets)
{
	int64_t *late = xmalloc((json_array_size(tickets) + 1) * sizeof(*late));
	size_t n = 0, i;
	json_t *t;
	json_array_foreach(tickets, i, t) {
		int64_t due = 0, req = 0;
		json_t *v;
		/* the store gave RFC 3339 strings; compare in seconds */
		if ((v = json_object_get(t, "response_due")) && json_is_string(v))
			time_parse_rfc3339(json_string_value(v), &due);
		if ((v = json_object_get(t, "required_by")) && json_is_string(v))
			time_parse_rfc3339(json_string_value(v), &req);
		bool responded = !json_is_null(json_object_get(t, "responded_at"));
		bool resolved = !json_is_null(json_object_get(t, "resolved_at")) ||
				!strcmp(json_string_value(json_object_get(t, "status")), "closed");
		bool late_response = due && !responded && c->now > due;
		bool late_resolution = req && !resolved && c->now > req;
		json_object_set_new(t, "overdue_response", json_boolean(late_response));
		json_object_set_new(t, "overdue_resolution", json_boolean(late_resolution));
		json_object_set_new(t, "overdue", json_boolean(late_response || late_resolution));
		if (late_response || late_resolution)
			late[n++] = json_integer_value(json_object_get(t, "id"));
	}
	json_t *to = store_tickets_escalation(c->db, late, n);
	json_array_foreach(tickets, i, t) {
		char key[24];
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(t, "id")));
		json_t *a = json_object_get(to, key);
		json_object_set_new(t, "escalated_to", a ? json_incref(a) : json_array());
	}
	json_decref(to);
	free(late);
}

/* History entries as the caller may read them: customers never see internal notes. */
static void add_history(struct app_ctx *c, json_t *t)
{
	bool customer = c->who.role == ROLE_CUSTOMER;
	json_t *h = store_ticket_history(c->db, json_integer_value(json_object_get(t, "id")),
					 !customer);
	size_t i;
	json_t *e;
	json_array_foreach(h, i, e) {
		json_object_set_new(e, "internal", json_boolean(is_true(e, "internal")));
		json_t *raw = json_object_get(e, "data");
		json_t *data = json_is_string(raw) ? json_loads(json_string_value(raw), 0, NULL)
						   : NULL;
		if (!json_is_object(data)) {
			json_decref(data);
			data = json_object();
		}
		if (customer)
			json_object_del(data, "note");
		json_object_set_new(e, "data", data);
	}
	json_object_set_new(t, "history", h);
}

int app_ticket_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	*out = store_ticket_get(c->db, &c->who, id);
	if (!*out)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such ticket");
	json_t *one = json_pack("[O]", *out);
	add_clocks(c, one);
	json_decref(one);
	add_history(c, *out);
	return 0;
}

bool app_ticket_visible(struct app_ctx *c, int64_t id)
{
	json_t *t = store_ticket_get(c->db, &c->who, id);
	json_decref(t);
	return t != NULL;
}

/* ---- receiving ---- */

/* An event's data as stored: compact JSON text (free() it); takes the reference to o. */
static char *dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* The audit rows of a ticket change: its row and the event that made it. */
static int audit(struct app_ctx *c, const char *action, int64_t ticket_id, int64_t event_id)
{
	int rc = store_audit_append(c->db, c->who.user_id, action, "ticket", ticket_id, c->now);
	if (rc == 0 && event_id)
		rc = store_audit_append(c->db, c->who.user_id, action, "ticket_event", event_id,
					c->now);
	return rc;
}

int app_ticket_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err)
{
	const char *kind = json_string_value(json_object_get(body, "kind"));
	const char *channel = json_string_value(json_object_get(body, "channel"));
	const char *req = json_string_value(json_object_get(body, "required_by"));
	int64_t project_id = json_integer_value(json_object_get(body, "project_id"));
	int k = ticket_kind_parse(kind);
	int64_t required_by = 0;

	if (k < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "kind",
			       "complaint, repair, inquiry, special_request, suspension_claim or "
			       "environment_safety");
	if (!is_channel(channel))
		return kf_fail(err, KF_EINVAL, "invalid", "channel",
			       "portal, phone, visit, email, fax, meeting or letter");
	if (req && !time_parse_rfc3339(req, &required_by))
		return kf_fail(err, KF_EINVAL, "invalid", "required_by",
			       "an RFC 3339 time such as 2026-12-01T10:00:00+08:00");
	if (req && required_by <= c->now)
		return kf_fail(err, KF_ERULE, "past", "required_by", "that time has passed");
	struct project_state ps;
	if (!app_project_visible(c, project_id) || store_project_state(c->db, project_id, &ps) < 0)
		return kf_fail(err, KF_ENOTFOUND, "not_found", "project_id", "no such project");

	/* P-5.3.2: staff who record a call or a visit own the request from that moment. */
	bool staff = c->who.role != ROLE_CUSTOMER;
	/* P-5.3.3: complaints, and repairs under warranty, must be answered within the window. */
	bool clock = k == TK_COMPLAINT || (k == TK_REPAIR && ps.stage == STAGE_WARRANTY);
	int64_t window = (int64_t)app_settings()->response_window_hours * 3600;
	int year;
	{
		int m, d;
		int64_t days = c->now / 86400; /* UTC date of receipt */
		civil_from_days(days, &year, &m, &d);
	}
	int64_t id = 0, seq = 0, event_id = 0;
	int rc = db_begin(c->db);
	if (rc == 0)
		rc = store_ticket_next_number(c->db, year, &seq);
	char number[32];
	snprintf(number, sizeof(number), "KF-%04d-%06lld", year, (long long)seq);
	struct ticket_row row = {
		.number = number,
		.kind = kind,
		.title = json_string_value(json_object_get(body, "title")),
		.description = json_string_value(json_object_get(body, "description")),
		.channel = channel,
		.location = json_string_value(json_object_get(body, "location")),
		.project_id = project_id,
		.required_by = required_by,
		.owner_id = staff ? c->who.user_id : 0,
		.created_by = c->who.user_id,
		.response_due = clock ? c->now + window : 0,
		.responded_at = staff ? c->now : 0,
		.created_at = c->now,
	};
	if (rc == 0)
		rc = store_ticket_insert(c->db, &row, &id);
	if (rc == 0) {
		char *data = dump(json_pack("{ss}", "channel", channel));
		rc = store_ticket_event_insert(c->db, id, "created", c->who.user_id, c->now, NULL,
					       false, data, &event_id);
		free(data);
	}
	if (rc == 0)
		rc = store_ticket_index(c->db, id);
	if (rc == 0)
		rc = audit(c, "ticket.create", id, event_id);
	rc = app_finish(c->db, rc);
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	return app_ticket_get(c, id, out, err);
}

/* ---- moving ---- */

/* The members each action takes besides "action"; anything else is refused. */
static const struct {
	enum ticket_action action;
	const char *const members[4];
} action_members[] = {
	{ TA_TAKE, { NULL } },
	{ TA_HANDOVER, { "to_user_id", "reason", NULL } },
	{ TA_ASSIGN, { "user_ids", NULL } },
	{ TA_TRIAGE, { "scope", "reason", NULL } },
	{ TA_CONFIRM, { "evidence", NULL } },
	{ TA_DECLINE, { "evidence", NULL } },
	{ TA_APPROVE, { "decision", "note", NULL } },
	{ TA_RESOLVE, { "note", NULL } },
	{ TA_VERIFY, { "result", "note", NULL } },
	{ TA_RATE, { "satisfaction", "comment", "source", NULL } },
	{ TA_COMMENT, { "text", "internal", NULL } },
	{ TA_PAPERWORK, { "step", "text", NULL } },
};

static int check_members(json_t *body, enum ticket_action a, struct kf_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(body, key, v) {
		if (!strcmp(key, "action"))
			continue;
		bool ok = false;
		for (const char *const *m = action_members[a].members; *m && !ok; m++)
			ok = !strcmp(*m, key);
		if (!ok)
			return kf_fail(err, KF_EINVAL, "invalid", key, "'%s' is not used by %s", key,
				       ticket_action_key(a));
	}
	return 0;
}

static const char *text_of(json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

/* The choice the action carries, as struct ticket_move wants it. */
static int read_choice(json_t *body, enum ticket_action a, int *choice, struct kf_error *err)
{
	static const char *const approve_keys[] = { "reject", "approve" };
	static const char *const verify_keys[] = { "fail", "pass" };
	const char *field = NULL, *want = NULL;
	int v = 0;
	switch (a) {
	case TA_TRIAGE:
		field = "scope", want = "in_contract, out_of_contract or cannot_handle";
		v = triage_scope_parse(text_of(body, field));
		break;
	case TA_APPROVE:
		field = "decision", want = "approve or reject";
		v = key_index(approve_keys, 2, text_of(body, field));
		break;
	case TA_VERIFY:
		field = "result", want = "pass or fail";
		v = key_index(verify_keys, 2, text_of(body, field));
		break;
	case TA_RATE:
		field = "satisfaction", want = "satisfied, average or unsatisfied";
		v = satisfaction_parse(text_of(body, field));
		break;
	case TA_COMMENT:
		v = json_is_true(json_object_get(body, "internal"));
		break;
	case TA_PAPERWORK:
		field = "step", want = "notice, evidence, claim, review, agreement or resumption";
		v = paper_step_parse(text_of(body, field));
		break;
	default:
		break;
	}
	if (field && v < 0)
		return kf_fail(err, KF_EINVAL, json_object_get(body, field) ? "invalid" : "missing_field",
			       field, "%s", want);
	*choice = v;
	return 0;
}

/*
 * A user the owner hands over to or assigns must be active ticket staff who can see the
 * project (a project team member of it, or a department that sees every project).
 */
static int check_worker(struct app_ctx *c, int64_t user_id, int64_t project_id, const char *field,
			struct kf_error *err)
{
	struct user_auth u;
	if (store_user_auth_by_id(c->db, user_id, &u) < 0 || !u.active ||
	    !(ROLE_BIT(u.role) & ROLES_TICKET_STAFF))
		return kf_fail(err, KF_ERULE, "invalid_user", field,
			       "user %lld is not active staff who handle requests",
			       (long long)user_id);
	struct actor a = { .user_id = user_id, .role = u.role, .customer_id = u.customer_id };
	if (!store_project_visible(c->db, &a, project_id))
		return kf_fail(err, KF_ERULE, "invalid_user", field,
			       "user %lld does not work on this project", (long long)user_id);
	return 0;
}

int app_ticket_act(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		   struct kf_error *err)
{
	int a = ticket_action_parse(text_of(body, "action"));
	if (a < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "action",
			       "take, handover, assign, triage, confirm, decline, approve, resolve, "
			       "verify, rate, comment or paperwork");
	int choice = 0;
	int rc = check_members(body, (enum ticket_action)a, err);
	if (rc == 0)
		rc = read_choice(body, (enum ticket_action)a, &choice, err);
	if (rc < 0)
		return rc;
	const char *source = text_of(body, "source");
	if (source && (!is_channel(source) || !strcmp(source, "portal")))
		return kf_fail(err, KF_EINVAL, "invalid", "source",
			       "how the customer said it: phone, visit, email, fax, meeting, letter");
	if (a == TA_HANDOVER && !text_of(body, "reason"))
		return kf_fail(err, KF_EINVAL, "missing_field", "reason", "why it is handed over");
	if (a == TA_HANDOVER && !json_object_get(body, "to_user_id"))
		return kf_fail(err, KF_EINVAL, "missing_field", "to_user_id", "whom to hand over to");
	if (a == TA_ASSIGN && !json_object_get(body, "user_ids"))
		return kf_fail(err, KF_EINVAL, "missing_field", "user_ids", "who works on it");
	if (a == TA_COMMENT && !text_of(body, "text"))
		return kf_fail(err, KF_EINVAL, "missing_field", "text", "the comment");

	struct ticket_state_row f;
	if ((rc = db_begin(c->db)) < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	rc = store_ticket_facts(c->db, id, c->who.user_id, &f);
	if (rc < 0) {
		app_finish(c->db, rc);
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such ticket");
	}
	const char *reason = text_of(body, "reason");
	struct ticket_facts facts = {
		.state = (enum ticket_state)ticket_state_parse(f.status),
		.kind = (enum ticket_kind)ticket_kind_parse(f.kind),
		.has_owner = f.owner_id != 0,
	};
	struct ticket_caller who = {
		.role = c->who.role,
		.owner = f.owner_id && f.owner_id == c->who.user_id,
		.assignee = f.assignee,
	};
	struct ticket_move move = {
		.action = (enum ticket_action)a,
		.choice = choice,
		.has_text = (a == TA_TRIAGE && reason && *reason) ||
			    (a == TA_RESOLVE && text_of(body, "note")) ||
			    (a == TA_PAPERWORK && text_of(body, "text")),
		.on_behalf = (a == TA_RATE && source) ||
			     ((a == TA_CONFIRM || a == TA_DECLINE) && text_of(body, "evidence")),
	};
	struct ticket_outcome o;
	rc = ticket_apply(&facts, &who, &move, &o, err);

	int64_t to_user = json_integer_value(json_object_get(body, "to_user_id"));
	json_t *user_ids = json_object_get(body, "user_ids");
	if (rc == 0 && a == TA_HANDOVER && to_user == c->who.user_id)
		rc = kf_fail(err, KF_ERULE, "invalid_user", "to_user_id",
			     "the request is yours already");
	if (rc == 0 && a == TA_HANDOVER)
		rc = check_worker(c, to_user, f.project_id, "to_user_id", err);
	size_t i;
	json_t *u;
	json_array_foreach(user_ids, i, u) {
		if (rc == 0 && json_integer_value(u) == c->who.user_id)
			rc = kf_fail(err, KF_ERULE, "invalid_user", "user_ids",
				     "the owner works on the request already");
		if (rc == 0)
			rc = check_worker(c, json_integer_value(u), f.project_id, "user_ids", err);
	}
	if (rc < 0) {
		app_finish(c->db, rc);
		return rc;
	}

	/* What the step says, to whom: text is what the customer is sent; data the details. */
	const char *text = NULL;
	json_t *data = json_object();
	switch (a) {
	case TA_HANDOVER:
		json_object_set_new(data, "to_user_id", json_integer(to_user));
		json_object_set_new(data, "note", json_string(reason));
		break;
	case TA_ASSIGN:
		json_object_set(data, "user_ids", user_ids);
		break;
	case TA_TRIAGE:
		json_object_set_new(data, "scope", json_string(triage_scope_key(choice)));
		text = reason;
		break;
	case TA_CONFIRM:
	case TA_DECLINE:
		if (text_of(body, "evidence"))
			json_object_set_new(data, "evidence", json_string(text_of(body, "evidence")));
		break;
	case TA_APPROVE:
		json_object_set_new(data, "decision", json_string(choice ? "approve" : "reject"));
		text = text_of(body, "note");
		break;
	case TA_RESOLVE:
		text = text_of(body, "note");
		break;
	case TA_VERIFY:
		json_object_set_new(data, "result", json_string(choice ? "pass" : "fail"));
		if (text_of(body, "note"))
			json_object_set_new(data, "note", json_string(text_of(body, "note")));
		break;
	case TA_RATE:
		json_object_set_new(data, "satisfaction", json_string(satisfaction_key(choice)));
		if (source)
			json_object_set_new(data, "source", json_string(source));
		if (o.improvement_need)
			json_object_set_new(data, "improvement_need", json_true());
		text = text_of(body, "comment");
		break;
	case TA_COMMENT:
	case TA_PAPERWORK:
		if (a == TA_PAPERWORK)
			json_object_set_new(data, "step", json_string(paper_step_key(choice)));
		text = text_of(body, "text");
		break;
	default:
		break;
	}

	struct ticket_change ch = {
		.old_status = f.status,
		.status = ticket_state_key(o.next),
		.scope = a == TA_TRIAGE ? triage_scope_key(choice) : NULL,
		.satisfaction = a == TA_RATE ? satisfaction_key(choice) : NULL,
		.owner_id = o.take ? c->who.user_id : a == TA_HANDOVER ? to_user : 0,
		.responded_at = o.first_response ? c->now : 0,
		.now = c->now,
		/* the result reported; a failed verification or an unsatisfied customer undoes it */
		.resolved = a == TA_RESOLVE ? 1
			    : (a == TA_VERIFY && !choice) || o.improvement_need ? 2
										: 0,
		.closes = o.closes,
		.take = o.take,
		.improvement_need = o.improvement_need,
	};
	int64_t event_id = 0;
	char *d = dump(data);
	rc = store_ticket_change(c->db, id, &ch);
	if (rc == 0)
		rc = store_ticket_event_insert(c->db, id, ticket_action_key((enum ticket_action)a),
					       c->who.user_id, c->now, text,
					       a == TA_COMMENT && choice, d, &event_id);
	free(d);
	json_array_foreach(user_ids, i, u) {
		if (rc == 0)
			rc = store_ticket_assign(c->db, id, json_integer_value(u));
	}
	if (rc == 0 && a == TA_ASSIGN)
		rc = store_audit_append(c->db, c->who.user_id, "ticket.assign", "ticket_assignees",
					id, c->now);
	if (rc == 0 && (a == TA_COMMENT || a == TA_PAPERWORK))
		rc = store_ticket_index(c->db, id);
	if (rc == 0) {
		char action[32];
		snprintf(action, sizeof(action), "ticket.%s", ticket_action_key((enum ticket_action)a));
		rc = audit(c, action, id, event_id);
	}
	rc = app_finish(c->db, rc);
	/* Two takes at once: the row's guard lets the first win. */
	if (rc == KF_ECONFLICT)
		return kf_fail(err, rc, "conflict", "action", "the request changed meanwhile");
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	return app_ticket_get(c, id, out, err);
}

/* ---- queues ---- */

int app_tickets_list(struct app_ctx *c, const struct ticket_query *q, json_t **out,
		     struct kf_error *err)
{
	struct ticket_filter f = { .status = q->status, .kind = q->kind, .q = q->q, .limit = 50 };
	if (q->status && ticket_state_parse(q->status) < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "status", "not a ticket status");
	if (q->kind && ticket_kind_parse(q->kind) < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "kind", "not a kind of ticket");
	if (q->project_id && !parse_id(q->project_id, &f.project_id))
		return kf_fail(err, KF_EINVAL, "invalid", "project_id", "not an id");
	if (q->owner_id && !strcmp(q->owner_id, "me"))
		f.owner_id = c->who.user_id;
	else if (q->owner_id && !parse_id(q->owner_id, &f.owner_id))
		return kf_fail(err, KF_EINVAL, "invalid", "owner_id", "an id or me");
	static const char *const bools[] = { "false", "true" };
	int b = 0;
	if (q->unowned && (b = key_index(bools, 2, q->unowned)) < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "unowned", "true or false");
	f.unowned = q->unowned && b == 1;
	if (q->overdue && (b = key_index(bools, 2, q->overdue)) < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "overdue", "true or false");
	f.overdue = q->overdue && b == 1;
	if (q->escalated && (b = key_index(bools, 2, q->escalated)) < 0)
		return kf_fail(err, KF_EINVAL, "invalid", "escalated", "true or false");
	f.escalated = q->escalated && b == 1;
	if (q->limit) {
		int64_t l;
		if (!parse_id(q->limit, &l) || l > 200)
			return kf_fail(err, KF_EINVAL, "invalid", "limit", "1 to 200");
		f.limit = (int)l;
	}
	if (q->cursor && !parse_id(q->cursor, &f.before_id))
		return kf_fail(err, KF_EINVAL, "invalid", "cursor", "not a cursor of this list");
	if (q->q && (!*q->q || !utf8_valid(q->q, strlen(q->q)) || utf8_chars(q->q) > 200 ||
		     !text_clean(q->q, false)))
		return kf_fail(err, KF_EINVAL, "invalid", "q", "1 to 200 characters of text");

	json_t *items = store_tickets_list(c->db, &c->who, &f, c->now);
	add_clocks(c, items);
	json_t *next = json_null();
	if (json_array_size(items) == (size_t)f.limit) {
		char cur[24];
		snprintf(cur, sizeof(cur), "%lld",
			 (long long)json_integer_value(json_object_get(
				 json_array_get(items, json_array_size(items) - 1), "id")));
		next = json_string(cur);
	}
	*out = json_pack("{so so}", "items", items, "next_cursor", next);
	return 0;
}
