/* st-audit.c - the append-only, hash-chained audit log and its verification (P-5.6) */
#include "store.h"
#include "../lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * What an audit row records of each entity: the rows this query returns for the entity id,
 * raw. One-row entities are stored as that row (or null once gone), list entities as an
 * array. Verification re-runs the query and compares.
 */
static const struct audited {
	const char *entity;
	bool list;
	const char *sql;
	const char *all; /* every entity id present now: each must have an audit row */
} audited[] = {
	{ "customer", false, "SELECT * FROM customers WHERE id = ?",
	  "SELECT id FROM customers ORDER BY id" },
	{ "project", false, "SELECT * FROM projects WHERE id = ?",
	  "SELECT id FROM projects ORDER BY id" },
	{ "project_members", true,
	  "SELECT project_id, user_id FROM project_members WHERE project_id = ? ORDER BY user_id",
	  "SELECT DISTINCT project_id FROM project_members ORDER BY project_id" },
	{ "stage_event", false, "SELECT * FROM stage_events WHERE id = ?",
	  "SELECT id FROM stage_events ORDER BY id" },
	{ "form_version", false, "SELECT * FROM form_versions WHERE id = ?",
	  "SELECT id FROM form_versions ORDER BY id" },
	/* An evaluation with its rated items: neither may change after submission. */
	{ "evaluation", false, "SELECT * FROM evaluations WHERE id = ?",
	  "SELECT id FROM evaluations ORDER BY id" },
	{ "evaluation_items", true,
	  "SELECT * FROM evaluation_items WHERE evaluation_id = ? ORDER BY position",
	  "SELECT DISTINCT evaluation_id FROM evaluation_items ORDER BY evaluation_id" },
	/* A penalty case with the evaluations it covers; its decision is an audited change. */
	{ "penalty_case", false, "SELECT * FROM penalty_cases WHERE id = ?",
	  "SELECT id FROM penalty_cases ORDER BY id" },
	{ "penalty_case_evaluations", true,
	  "SELECT case_id, evaluation_id FROM penalty_case_evaluations WHERE case_id = ?"
	  " ORDER BY evaluation_id",
	  "SELECT DISTINCT case_id FROM penalty_case_evaluations ORDER BY case_id" },
	{ "review", false, "SELECT * FROM reviews WHERE id = ?", "SELECT id FROM reviews ORDER BY id" },
	/* A ticket's current row, each step of its history, and who works on it. */
	{ "ticket", false, "SELECT * FROM tickets WHERE id = ?", "SELECT id FROM tickets ORDER BY id" },
	{ "ticket_event", false, "SELECT * FROM ticket_events WHERE id = ?",
	  "SELECT id FROM ticket_events ORDER BY id" },
	{ "ticket_assignees", true,
	  "SELECT ticket_id, user_id FROM ticket_assignees WHERE ticket_id = ? ORDER BY user_id",
	  "SELECT DISTINCT ticket_id FROM ticket_assignees ORDER BY ticket_id" },
	{ "ticket_attachment", false, "SELECT * FROM ticket_attachments WHERE id = ?",
	  "SELECT id FROM ticket_attachments ORDER BY id" },
	{ "corrective_action", false, "SELECT * FROM corrective_actions WHERE id = ?",
	  "SELECT id FROM corrective_actions ORDER BY id" },
	{ "corrective_action_tickets", true,
	  "SELECT action_id, ticket_id FROM corrective_action_tickets WHERE action_id = ?"
	  " ORDER BY ticket_id",
	  "SELECT DISTINCT action_id FROM corrective_action_tickets ORDER BY action_id" },
	{ "corrective_action_acceptance", false,
	  "SELECT * FROM corrective_action_acceptances WHERE id = ?",
	  "SELECT id FROM corrective_action_acceptances ORDER BY id" },
	{ "department_head", false, "SELECT * FROM department_heads WHERE user_id = ?",
	  "SELECT user_id FROM department_heads ORDER BY user_id" },
	/* Without pw_hash: the log says a password changed, never what it is. */
	{ "user", false,
	  "SELECT id, username, name, role, customer_id, active, created_at, updated_at"
	  " FROM users WHERE id = ?",
	  "SELECT id FROM users ORDER BY id" },
};

static const struct audited *find_audited(const char *entity)
{
	for (size_t i = 0; i < ARRAY_SIZE(audited); i++)
		if (!strcmp(audited[i].entity, entity))
			return &audited[i];
	return NULL;
}

static json_t *snapshot(struct db *db, const struct audited *a, int64_t id)
{
	struct db_stmt *st = db_query_v(db, a->sql, (const struct db_val[]){ DI(id), DB_END });
	json_t *rows = json_array();
	while (db_step(st) == DB_ROW)
		json_array_append_new(rows, store_row_raw(st));
	db_done(st);
	if (a->list)
		return rows;
	json_t *one = json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : json_null();
	json_decref(rows);
	return one;
}

static char *canonical(int64_t id, int64_t at, int64_t user_id, const char *action,
		       const char *entity, int64_t entity_id, json_t *data)
{
	json_t *o = json_pack("{sI sI so ss ss sI sO}", "id", (json_int_t)id, "at", (json_int_t)at,
			      "user_id", user_id ? json_integer(user_id) : json_null(), "action",
			      action, "entity", entity, "entity_id", (json_int_t)entity_id, "data",
			      data);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(o);
	return s;
}

int store_audit_append(struct db *db, int64_t user_id, const char *action, const char *entity,
		       int64_t entity_id, int64_t now)
{
	const struct audited *a = find_audited(entity);
	if (!a)
		die("audit: unknown entity %s", entity);
	/* One appender at a time across servers, so the chain never forks. */
	int rc = store_lock_writers(db);
	if (rc < 0)
		return rc;
	int64_t prev_id = 0;
	char prev_hash[CHAIN_HEX];
	memcpy(prev_hash, chain_genesis, CHAIN_HEX);
	struct db_stmt *st = db_query(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
	rc = db_step(st);
	if (rc == DB_ROW) {
		prev_id = db_int(st, 0);
		snprintf(prev_hash, sizeof(prev_hash), "%s", db_text(st, 1));
	}
	db_done(st);
	if (rc < 0)
		return rc;

	json_t *data = snapshot(db, a, entity_id);
	int64_t id = prev_id + 1;
	char *canon = canonical(id, now, user_id, action, entity, entity_id, data);
	char *data_text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char hash[CHAIN_HEX];
	chain_hash(prev_hash, canon, hash);
	rc = db_exec(db, "INSERT INTO audit_log (id, at, user_id, action, entity, entity_id, data,"
			 " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		     DI(id), DI(now), DID(user_id), DT(action), DT(entity), DI(entity_id),
		     DT(data_text), DT(prev_hash), DT(hash));
	free(canon);
	free(data_text);
	json_decref(data);
	return rc < 0 ? rc : 0;
}

/* True when every member of recorded has the same value in current (new columns are fine). */
static bool snapshot_holds(json_t *recorded, json_t *current)
{
	if (json_is_object(recorded) && json_is_object(current)) {
		const char *k;
		json_t *v;
		json_object_foreach(recorded, k, v) {
			if (!json_equal(v, json_object_get(current, k)))
				return false;
		}
		return true;
	}
	if (json_is_array(recorded) && json_is_array(current)) {
		if (json_array_size(recorded) != json_array_size(current))
			return false;
		for (size_t i = 0; i < json_array_size(recorded); i++)
			if (!snapshot_holds(json_array_get(recorded, i), json_array_get(current, i)))
				return false;
		return true;
	}
	return json_equal(recorded, current);
}

static int verify_chain(struct db *db, struct buf *out, int64_t *rows)
{
	char prev[CHAIN_HEX];
	memcpy(prev, chain_genesis, CHAIN_HEX);
	int64_t expect = 1;
	int broken = 0;
	struct db_stmt *st = db_query(db, "SELECT id, at, user_id, action, entity, entity_id, data,"
					  " prev_hash, hash FROM audit_log ORDER BY id");
	int rc;
	while (!broken && (rc = db_step(st)) == DB_ROW) {
		int64_t id = db_int(st, 0);
		(*rows)++;
		if (id != expect) {
			buf_addf(out, "audit row %lld is missing (next row is %lld)\n",
				 (long long)expect, (long long)id);
			broken = 1;
			break;
		}
		json_error_t jerr;
		json_t *data = json_loads(db_text(st, 6), JSON_DECODE_ANY, &jerr);
		const char *ph = db_text(st, 7), *h = db_text(st, 8);
		char calc[CHAIN_HEX] = "";
		if (data) {
			char *canon = canonical(id, db_int(st, 1), db_isnull(st, 2) ? 0 : db_int(st, 2),
						db_text(st, 3), db_text(st, 4), db_int(st, 5), data);
			chain_hash(ph, canon, calc);
			free(canon);
			json_decref(data);
		}
		if (strcmp(ph, prev)) {
			buf_addf(out, "audit row %lld (%s %s %lld): previous hash does not match row %lld\n",
				 (long long)id, db_text(st, 3), db_text(st, 4),
				 (long long)db_int(st, 5), (long long)(id - 1));
			broken = 1;
		} else if (strcmp(calc, h)) {
			buf_addf(out, "audit row %lld (%s %s %lld): content does not match its hash\n",
				 (long long)id, db_text(st, 3), db_text(st, 4),
				 (long long)db_int(st, 5));
			broken = 1;
		}
		snprintf(prev, sizeof(prev), "%s", h);
		expect++;
	}
	db_done(st);
	if (!broken && rc < 0)
		return rc;
	return broken;
}

static int verify_entities(struct db *db, struct buf *out)
{
	int broken = 0;
	struct db_stmt *st = db_query(db, "SELECT a.entity, a.entity_id, a.id, a.data FROM audit_log a"
					  " WHERE a.id = (SELECT max(b.id) FROM audit_log b"
					  " WHERE b.entity = a.entity AND b.entity_id = a.entity_id)"
					  " ORDER BY a.id");
	while (db_step(st) == DB_ROW) {
		const struct audited *a = find_audited(db_text(st, 0));
		if (!a)
			continue;
		int64_t eid = db_int(st, 1);
		json_t *recorded = json_loads(db_text(st, 3), JSON_DECODE_ANY, NULL);
		json_t *current = snapshot(db, a, eid);
		if (!recorded || !snapshot_holds(recorded, current)) {
			buf_addf(out, "%s %lld: the stored row differs from its last audit row %lld\n",
				 a->entity, (long long)eid, (long long)db_int(st, 2));
			broken = 1;
		}
		json_decref(recorded);
		json_decref(current);
		if (broken)
			break;
	}
	db_done(st);
	return broken;
}

/* Rows that exist but were never audited were put there behind kefu's back. */
static int verify_unaudited(struct db *db, struct buf *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(audited); i++) {
		struct db_stmt *st = db_query_v(db, audited[i].all, (const struct db_val[]){ DB_END });
		int broken = 0;
		while (!broken && db_step(st) == DB_ROW) {
			int64_t id = db_int(st, 0), n = 0;
			db_get_int(db, &n, "SELECT count(*) FROM audit_log WHERE entity = ? AND entity_id = ?",
				   DT(audited[i].entity), DI(id));
			if (n == 0) {
				buf_addf(out, "%s %lld: the stored row has no audit row (added behind kefu's back)\n",
					 audited[i].entity, (long long)id);
				broken = 1;
			}
		}
		db_done(st);
		if (broken)
			return 1;
	}
	return 0;
}

int store_audit_verify(struct db *db, char **report, int64_t *rows_checked)
{
	struct buf out = BUF_INIT;
	*rows_checked = 0;
	int rc = verify_chain(db, &out, rows_checked);
	if (rc == 0)
		rc = verify_entities(db, &out);
	if (rc == 0)
		rc = verify_unaudited(db, &out);
	*report = buf_detach(&out, NULL);
	return rc;
}
