/* st-tickets.c - requests, complaints and repairs: rows, their history, queues and search */
#include "st-common.h"
#include "st-search.h"
#include "../lib/buf.h"
#include "../lib/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_ticket_next_number(struct db *db, int year, int64_t *n)
{
	return db_get_int(db, n,
			  "INSERT INTO ticket_counters (year, last) VALUES (?, 1)"
			  " ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + 1"
			  " RETURNING last",
			  DI(year));
}

int store_ticket_insert(struct db *db, const struct ticket_row *t, int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO tickets (number, project_id, kind, title, description, channel,"
			  " location, required_by, owner_id, created_by, response_due, responded_at,"
			  " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			  " RETURNING id",
			  DT(t->number), DI(t->project_id), DT(t->kind), DT(t->title),
			  DT(t->description), DT(t->channel), DT(t->location), DID(t->required_by),
			  DID(t->owner_id), DI(t->created_by), DID(t->response_due),
			  DID(t->responded_at), DI(t->created_at), DI(t->created_at));
}

int store_ticket_facts(struct db *db, int64_t id, int64_t user_id, struct ticket_state_row *out)
{
	struct db_stmt *st = db_query(
		db,
		"SELECT t.status, t.kind, t.owner_id, t.project_id,"
		" CASE WHEN EXISTS (SELECT 1 FROM ticket_assignees a WHERE a.ticket_id = t.id"
		"  AND a.user_id = ?) THEN 1 ELSE 0 END"
		" FROM tickets t WHERE t.id = ?",
		DI(user_id), DI(id));
	int rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(out->status, sizeof(out->status), "%s", db_text(st, 0));
		snprintf(out->kind, sizeof(out->kind), "%s", db_text(st, 1));
		out->owner_id = db_isnull(st, 2) ? 0 : db_int(st, 2);
		out->project_id = db_int(st, 3);
		out->assignee = db_int(st, 4) != 0;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = KF_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int store_ticket_change(struct db *db, int64_t id, const struct ticket_change *c)
{
	/* The old status (and, for take, no owner) guard the row: a racing move changes nothing. */
	int rc = db_exec_v(
		db,
		"UPDATE tickets SET status = ?, owner_id = COALESCE(?, owner_id),"
		" scope = COALESCE(?, scope), responded_at = COALESCE(responded_at, ?),"
		" resolved_at = CASE WHEN ? = 1 THEN ? WHEN ? = 2 THEN NULL ELSE resolved_at END,"
		" closed_at = CASE WHEN ? = 1 THEN ? ELSE closed_at END,"
		" satisfaction = COALESCE(?, satisfaction),"
		" improvement_needs = improvement_needs + ?, updated_at = ?"
		" WHERE id = ? AND status = ? AND (? = 0 OR owner_id IS NULL)",
		(const struct db_val[]){
			DT(c->status), DID(c->owner_id), DT(c->scope), DID(c->responded_at),
			DI(c->resolved), DI(c->now), DI(c->resolved), DI(c->closes), DI(c->now),
			DT(c->satisfaction), DI(c->improvement_need), DI(c->now), DI(id),
			DT(c->old_status), DI(c->take), DB_END });
	return rc < 0 ? rc : rc == 0 ? KF_ECONFLICT : 0;
}

int store_ticket_event_insert(struct db *db, int64_t ticket_id, const char *action,
			      int64_t user_id, int64_t at, const char *text, bool internal,
			      const char *data, int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO ticket_events (ticket_id, action, user_id, at, text, internal,"
			  " data) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  DI(ticket_id), DT(action), DI(user_id), DI(at), DT(text), DI(internal),
			  DT(data));
}

int store_ticket_assign(struct db *db, int64_t ticket_id, int64_t user_id)
{
	int rc = db_exec(db, "INSERT INTO ticket_assignees (ticket_id, user_id) VALUES (?, ?)"
			     " ON CONFLICT DO NOTHING",
			 DI(ticket_id), DI(user_id));
	return rc < 0 ? rc : 0;
}

/* The text of a ticket's comments, public or internal; SQLite 3.40 has no string_agg(). */
#define COMMENTS_SQL(agg)                                                                   \
	"SELECT " agg " FROM ticket_events e WHERE e.ticket_id = ? AND e.action = 'comment'"   \
	" AND e.internal = ?"

static char *comments(struct db *db, int64_t id, bool internal)
{
	struct db_stmt *st = db_query(db,
				      db_engine(db) == DB_POSTGRES
					      ? COMMENTS_SQL("string_agg(e.text, ' ' ORDER BY e.id)")
					      : COMMENTS_SQL("group_concat(e.text, ' ')"),
				      DI(id), DI(internal));
	char *text = db_step(st) == DB_ROW && !db_isnull(st, 0) ? xstrdup(db_text(st, 0)) : NULL;
	db_done(st);
	return text;
}

int store_ticket_index(struct db *db, int64_t id)
{
	struct db_stmt *st = db_query(db, "SELECT number, title, description, location"
					  " FROM tickets WHERE id = ?",
				      DI(id));
	if (db_step(st) != DB_ROW) {
		db_done(st);
		return KF_ENOTFOUND;
	}
	struct buf body = BUF_INIT;
	buf_addf(&body, "%s %s %s", db_text(st, 0), db_text(st, 1), db_text(st, 2));
	if (!db_isnull(st, 3))
		buf_addf(&body, " %s", db_text(st, 3));
	db_done(st);
	char *pub = comments(db, id, false), *note = comments(db, id, true);
	if (pub)
		buf_addf(&body, " %s", pub);
	/* SQLite's short-query index; PostgreSQL's trigram index needs no second copy. */
	bool grams = db_engine(db) != DB_POSTGRES;
	char *g = grams ? st_unigrams(body.s) : NULL;
	char *ng = grams && note ? st_unigrams(note) : NULL;
	int rc = db_exec(db,
			 "INSERT INTO ticket_docs (id, body, note, grams, note_grams)"
			 " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body,"
			 " note = excluded.note, grams = excluded.grams,"
			 " note_grams = excluded.note_grams",
			 DI(id), DT(body.s), DT(note), DT(g), DT(ng));
	free(g);
	free(ng);
	free(pub);
	free(note);
	buf_release(&body);
	return rc < 0 ? rc : 0;
}

#define TICKET_COLS                                                                         \
	"SELECT t.id, t.number, t.project_id, p.code AS project_code, p.name AS project_name,"  \
	" t.kind, t.title, t.description, t.channel, t.location, t.required_by, t.status,"  \
	" t.scope, t.owner_id, o.name AS owner_name, t.created_by, c.name AS created_by_name," \
	" t.created_at, t.updated_at, t.responded_at, t.response_due, t.resolved_at,"        \
	" t.closed_at, t.satisfaction, t.improvement_needs"
#define TICKET_JOINS                                                                        \
	" JOIN projects p ON p.id = t.project_id LEFT JOIN users o ON o.id = t.owner_id"      \
	" JOIN users c ON c.id = t.created_by"
#define TICKET_SELECT TICKET_COLS " FROM tickets t" TICKET_JOINS

/* Each ticket's assignees: one indexed lookup a ticket (a page has at most 200). */
static void attach_assignees(struct db *db, json_t *tickets)
{
	size_t i;
	json_t *t;
	json_array_foreach(tickets, i, t) {
		json_t *ids = json_array();
		struct db_stmt *st = db_query(db, "SELECT user_id FROM ticket_assignees"
						  " WHERE ticket_id = ? ORDER BY user_id",
					      DI(json_integer_value(json_object_get(t, "id"))));
		while (db_step(st) == DB_ROW)
			json_array_append_new(ids, json_integer(db_int(st, 0)));
		db_done(st);
		json_object_set_new(t, "assignee_ids", ids);
	}
}

json_t *store_ticket_get(struct db *db, const struct actor *who, int64_t id)
{
	json_t *a = store_rows_json(db_query(db, TICKET_SELECT " WHERE t.id = ? AND " PROJECT_VISIBLE,
					     DI(id), VISIBLE_ARGS(who)));
	json_t *t = NULL;
	if (json_array_size(a)) {
		attach_assignees(db, a);
		t = json_incref(json_array_get(a, 0));
	}
	json_decref(a);
	return t;
}

json_t *store_ticket_history(struct db *db, int64_t id, bool internal)
{
	return store_rows_json(db_query(db,
					"SELECT e.id, e.action, e.user_id, u.name AS user_name, e.at,"
					" e.text, e.internal, e.data FROM ticket_events e"
					" JOIN users u ON u.id = e.user_id"
					" WHERE e.ticket_id = ? AND (? = 1 OR e.internal = 0)"
					" ORDER BY e.id",
					DI(id), DI(internal)));
}

/*
 * The queue: visible tickets matching every filter given, newest first, after the cursor.
 * Overdue: no first response by its due time, or not resolved by the time the customer
 * required. idcol is the column the order and the cursor go by: with a search on SQLite the
 * full-text index drives (its rowid is the ticket id), so a page of a common word stops
 * after fifty matches instead of collecting them all.
 */
#define TICKET_FILTERS(idcol)                                                               \
	PROJECT_VISIBLE " AND (CAST(? AS TEXT) IS NULL OR t.status = ?)"                     \
			" AND (CAST(? AS TEXT) IS NULL OR t.kind = ?)"                       \
			" AND (CAST(? AS BIGINT) IS NULL OR t.project_id = ?)"               \
			" AND (CAST(? AS BIGINT) IS NULL OR t.owner_id = ?)"                 \
			" AND (? = 0 OR t.owner_id IS NULL)"                                 \
			" AND (? = 0 OR (t.response_due < ? AND t.responded_at IS NULL)"     \
			"  OR (t.required_by < ? AND t.resolved_at IS NULL"                  \
			"  AND t.status <> 'closed')) AND " idcol " < ?"                     \
			" ORDER BY " idcol " DESC LIMIT ?"

enum ticket_search { TS_NONE, TS_FTS, TS_UNI, TS_SCAN, TS_TRGM };

static const char *const list_sql[] = {
	[TS_NONE] = TICKET_COLS " FROM tickets t" TICKET_JOINS " WHERE " TICKET_FILTERS("t.id"),
	[TS_FTS] = TICKET_COLS " FROM ticket_fts f JOIN tickets t ON t.id = f.rowid" TICKET_JOINS
			       " WHERE ticket_fts MATCH ? AND " TICKET_FILTERS("f.rowid"),
	[TS_UNI] = TICKET_COLS " FROM ticket_uni f JOIN tickets t ON t.id = f.rowid" TICKET_JOINS
			       " WHERE ticket_uni MATCH ? AND " TICKET_FILTERS("f.rowid"),
	/* one or two characters without a CJK one: read the newest tickets until enough match */
	[TS_SCAN] = TICKET_COLS " FROM tickets t JOIN ticket_docs d ON d.id = t.id" TICKET_JOINS
				" WHERE (instr(lower(d.body), lower(?)) > 0 OR (? = 1 AND"
				" instr(lower(COALESCE(d.note, '')), lower(?)) > 0)) AND "
				TICKET_FILTERS("t.id"),
	[TS_TRGM] = TICKET_COLS " FROM tickets t JOIN ticket_docs d ON d.id = t.id" TICKET_JOINS
				" WHERE (d.body ILIKE ? OR (? = 1 AND d.note ILIKE ?)) AND "
				TICKET_FILTERS("t.id"),
};

json_t *store_tickets_list(struct db *db, const struct actor *who,
			   const struct ticket_filter *f, int64_t now)
{
	bool staff = who->role != ROLE_CUSTOMER;
	enum ticket_search mode = TS_NONE;
	char *arg = NULL;
	if (f->q && db_engine(db) == DB_POSTGRES) {
		mode = TS_TRGM, arg = st_like_pattern(f->q);
	} else if (f->q && utf8_chars(f->q) >= 3) {
		/* staff match either column, customers only what they may read */
		mode = TS_FTS, arg = st_fts_phrase(staff ? NULL : "body", f->q);
	} else if (f->q && st_has_cjk(f->q)) {
		char *g = st_unigrams(f->q);
		mode = TS_UNI, arg = st_fts_phrase(staff ? NULL : "grams", g);
		free(g);
	} else if (f->q) {
		mode = TS_SCAN, arg = xstrdup(f->q);
	}
	struct db_val args[32];
	size_t n = 0;
	if (mode == TS_FTS || mode == TS_UNI) {
		args[n++] = DT(arg);
	} else if (mode == TS_SCAN || mode == TS_TRGM) {
		args[n++] = DT(arg);
		args[n++] = DI(staff);
		args[n++] = DT(arg);
	}
	const struct db_val vis[] = { VISIBLE_ARGS(who) };
	for (size_t i = 0; i < ARRAY_SIZE(vis); i++)
		args[n++] = vis[i];
	args[n++] = DT(f->status);
	args[n++] = DT(f->status);
	args[n++] = DT(f->kind);
	args[n++] = DT(f->kind);
	args[n++] = DID(f->project_id);
	args[n++] = DID(f->project_id);
	args[n++] = DID(f->owner_id);
	args[n++] = DID(f->owner_id);
	args[n++] = DI(f->unowned);
	args[n++] = DI(f->overdue);
	args[n++] = DI(now);
	args[n++] = DI(now);
	args[n++] = DI(f->before_id ? f->before_id : INT64_MAX);
	args[n++] = DI(f->limit);
	args[n++] = DB_END;
	json_t *a = store_rows_json(db_query_v(db, list_sql[mode], args));
	free(arg);
	attach_assignees(db, a);
	return a;
}

/* ---- attachments ---- */

int store_ticket_touch(struct db *db, int64_t id, int64_t now)
{
	int rc = db_exec(db, "UPDATE tickets SET updated_at = ? WHERE id = ?", DI(now), DI(id));
	return rc < 0 ? rc : 0;
}

int store_attachment_insert(struct db *db, int64_t ticket_id, const char *name, const char *type,
			    int64_t size, const char *sha256, int64_t user_id, int64_t now,
			    int64_t *id)
{
	return db_get_int(db, id,
			  "INSERT INTO ticket_attachments (ticket_id, name, type, size, sha256,"
			  " user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  DI(ticket_id), DT(name), DT(type), DI(size), DT(sha256), DI(user_id),
			  DI(now));
}

#define ATTACHMENT_SELECT                                                                   \
	"SELECT a.id, a.ticket_id, a.name, a.type, a.size, a.sha256, a.user_id,"             \
	" u.name AS user_name, a.created_at FROM ticket_attachments a"                      \
	" JOIN users u ON u.id = a.user_id"

json_t *store_attachments_list(struct db *db, int64_t ticket_id)
{
	return store_rows_json(db_query(db, ATTACHMENT_SELECT " WHERE a.ticket_id = ? ORDER BY a.id",
					DI(ticket_id)));
}

json_t *store_attachment_get(struct db *db, int64_t ticket_id, int64_t id)
{
	struct db_stmt *st = db_query(db, ATTACHMENT_SELECT " WHERE a.ticket_id = ? AND a.id = ?",
				      DI(ticket_id), DI(id));
	json_t *o = db_step(st) == DB_ROW ? store_row_json(st) : NULL;
	db_done(st);
	return o;
}
