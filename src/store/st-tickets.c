/* st-tickets.c - requests, complaints and repairs: rows, their history, queues and search */
#include "st-common.h"
#include "st-search.h"
#include "../lib/buf.h"
#include "../lib/text.h"

#include <pthread.h>
#include <assert.h>
#include <stdatomic.h>
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

/*
 * The text of a ticket's comments (and paperwork steps), public or internal; SQLite 3.40 has
 * no string_agg().
 */
#define COMMENTS_SQL(agg)                                                                   \
	"SELECT " agg " FROM ticket_events e WHERE e.ticket_id = ?"                          \
	" AND e.action IN ('comment', 'paperwork') AND e.internal = ?"

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

/*
 * The word that only the search documents of one project hold, on SQLite (008-search-scope.sql
 * says why): three characters of the Supplementary Private Use Area, 15 bits of the id each.
 */
#define SCOPE_KEY_SQLITE(id)                                                                \
	"char(983040 + ((" id " >> 30) & 32767), 983040 + ((" id " >> 15) & 32767),"      \
	" 983040 + (" id " & 32767))"

/*
 * PostgreSQL's: the word "kfp<id>" at the head of grams and note_grams, which the 'simple' full
 * text indexes of those columns hold (008-search-scope.sql).
 */
#define SCOPE_KEY_PG(id) "'kfp' || " id

#define DOC_UPSERT(cols, vals, set)                                                         \
	"INSERT INTO ticket_docs (id, body, note, grams, note_grams" cols ")"               \
	" VALUES (?, ?, ?, ?, ?" vals ") ON CONFLICT (id) DO UPDATE SET body = excluded.body," \
	" note = excluded.note, grams = excluded.grams, note_grams = excluded.note_grams" set

/* Puts the project's PostgreSQL key word (SCOPE_KEY_PG) at the head of *grams. */
static void keyed(int64_t project_id, char **grams)
{
	char *s = xasprintf("kfp%lld %s", (long long)project_id, *grams);
	free(*grams);
	*grams = s;
}

int store_ticket_index(struct db *db, int64_t id)
{
	struct db_stmt *st = db_query(db, "SELECT number, title, description, location, project_id"
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
	int64_t project_id = db_int(st, 4);
	db_done(st);
	char *pub = comments(db, id, false), *note = comments(db, id, true);
	if (pub)
		buf_addf(&body, " %s", pub);
	/* the short-query indexes: unigram FTS5 on SQLite, 'simple' full text on PostgreSQL */
	char *g = st_unigrams(body.s);
	char *ng = note ? st_unigrams(note) : NULL;
	bool pg = db_engine(db) == DB_POSTGRES;
	if (pg) {
		keyed(project_id, &g);
		if (ng)
			keyed(project_id, &ng);
	}
	int rc = pg ? db_exec(db, DOC_UPSERT("", "", ""), DI(id), DT(body.s), DT(note), DT(g),
			      DT(ng))
		    : db_exec(db,
			      DOC_UPSERT(", project_key", ", " SCOPE_KEY_SQLITE("?6"),
					 ", project_key = excluded.project_key"),
			      DI(id), DT(body.s), DT(note), DT(g), DT(ng), DI(project_id));
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

/*
 * A page's ticket ids as one argument, for "t.id IN (" IDS_IN(db) ")": a JSON array for
 * SQLite's json_each(), an array literal for PostgreSQL's unnest(). One statement for the
 * page instead of one per ticket (a round trip each on PostgreSQL).
 */
#define IDS_SQLITE "SELECT value FROM json_each(?)"
#define IDS_PG "SELECT unnest(CAST(? AS bigint[]))"

static char *id_list(struct db *db, const int64_t *ids, size_t n)
{
	bool pg = db_engine(db) == DB_POSTGRES;
	struct buf list = BUF_INIT;
	buf_addc(&list, pg ? '{' : '[');
	for (size_t i = 0; i < n; i++)
		buf_addf(&list, "%s%lld", i ? "," : "", (long long)ids[i]);
	buf_addc(&list, pg ? '}' : ']');
	return buf_detach(&list, NULL);
}

/* Each ticket's assignees, in one statement for the page (at most 200 tickets). */
static void attach_assignees(struct db *db, json_t *tickets)
{
	size_t n = json_array_size(tickets), i;
	if (!n)
		return;
	int64_t *ids = xmalloc(n * sizeof(*ids));
	json_t *t;
	json_array_foreach(tickets, i, t) {
		ids[i] = json_integer_value(json_object_get(t, "id"));
		json_object_set_new(t, "assignee_ids", json_array());
	}
	char *list = id_list(db, ids, n);
#define ASSIGNEES_SQL(in)                                                                   \
	"SELECT ticket_id, user_id FROM ticket_assignees WHERE ticket_id IN (" in ")"        \
	" ORDER BY ticket_id, user_id"
	struct db_stmt *st = db_query(db,
				      db_engine(db) == DB_POSTGRES ? ASSIGNEES_SQL(IDS_PG)
								   : ASSIGNEES_SQL(IDS_SQLITE),
				      DT(list));
	json_t *to = NULL;
	int64_t ticket = 0;
	while (db_step(st) == DB_ROW) {
		if (db_int(st, 0) != ticket) {
			ticket = db_int(st, 0);
			for (i = 0; i < n && ids[i] != ticket; i++)
				;
			to = i < n ? json_object_get(json_array_get(tickets, i), "assignee_ids") : NULL;
		}
		if (to)
			json_array_append_new(to, json_integer(db_int(st, 1)));
	}
	db_done(st);
	free(list);
	free(ids);
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

/*
 * P-5.3.3: whom an overdue ticket escalates to. When a member of its project team owns it,
 * the project's manager; otherwise the heads of the owner's department (cm's while nobody
 * has taken it); when that department has no head, the leaders. Never the owner, never
 * someone deactivated. The rules on a ticket aliased t. (department_heads is small: the CROSS
 * JOINs make SQLite read it first instead of every user of a role.)
 */
#define OWNER_DEPT "COALESCE((SELECT o.role FROM users o WHERE o.id = t.owner_id), 'cm')"
#define MANAGER_RULE                                                                        \
	"EXISTS (SELECT 1 FROM projects p JOIN users o ON o.id = t.owner_id"                 \
	" JOIN users m ON m.id = p.manager_id WHERE p.id = t.project_id"                    \
	" AND o.role = 'project' AND m.active = 1 AND m.id <> t.owner_id)"
#define HEADS_RULE                                                                          \
	"EXISTS (SELECT 1 FROM department_heads h CROSS JOIN users hu WHERE hu.id = h.user_id" \
	" AND hu.role = " OWNER_DEPT " AND hu.active = 1"                                    \
	" AND hu.id <> COALESCE(t.owner_id, 0))"
/* ... and whether it escalates to the user given as the argument, four times */
#define ESCALATES_TO_ARG                                                                    \
	"COALESCE(t.owner_id, 0) <> ? AND CASE WHEN " MANAGER_RULE                           \
	" THEN (SELECT p.manager_id FROM projects p WHERE p.id = t.project_id) = ?"         \
	" WHEN " HEADS_RULE " THEN EXISTS (SELECT 1 FROM department_heads h"                 \
	" JOIN users hu ON hu.id = h.user_id WHERE h.user_id = ?"                            \
	" AND hu.role = " OWNER_DEPT ")"                                                     \
	" ELSE EXISTS (SELECT 1 FROM users l WHERE l.id = ? AND l.role = 'leader') END"

/* The three steps for a set of tickets, each row with its step; the first step with any wins. */
#define ESCALATION_SQL(ids)                                                                 \
	"SELECT t.id, 1, m.id, m.name FROM tickets t JOIN users o ON o.id = t.owner_id"       \
	" JOIN projects p ON p.id = t.project_id JOIN users m ON m.id = p.manager_id"       \
	" WHERE t.id IN (" ids ") AND o.role = 'project' AND m.active = 1"                  \
	" AND m.id <> t.owner_id UNION ALL SELECT t.id, 2, hu.id, hu.name FROM tickets t"    \
	" CROSS JOIN department_heads h CROSS JOIN users hu WHERE hu.id = h.user_id"         \
	" AND t.id IN (" ids ") AND hu.role = " OWNER_DEPT " AND hu.active = 1"               \
	" AND hu.id <> COALESCE(t.owner_id, 0)"                                              \
	" UNION ALL SELECT t.id, 3, l.id, l.name FROM tickets t JOIN users l"                \
	" ON l.role = 'leader' WHERE t.id IN (" ids ") AND l.active = 1"                     \
	" AND l.id <> COALESCE(t.owner_id, 0) ORDER BY 1, 2, 3"

json_t *store_tickets_escalation(struct db *db, const int64_t *ids, size_t n)
{
	json_t *out = json_object();
	if (!n)
		return out;
	char *list = id_list(db, ids, n);
	struct db_stmt *st = db_query(db,
				      db_engine(db) == DB_POSTGRES ? ESCALATION_SQL(IDS_PG)
								   : ESCALATION_SQL(IDS_SQLITE),
				      DT(list), DT(list), DT(list));
	int64_t ticket = 0, step = 0;
	json_t *to = NULL;
	while (db_step(st) == DB_ROW) {
		if (db_int(st, 0) != ticket) {
			ticket = db_int(st, 0), step = db_int(st, 1);
			char key[24];
			snprintf(key, sizeof(key), "%lld", (long long)ticket);
			json_object_set_new(out, key, to = json_array());
		}
		if (db_int(st, 1) == step)
			json_array_append_new(to, json_pack("{sI ss}", "id", (json_int_t)db_int(st, 2),
							    "name", db_text(st, 3)));
	}
	db_done(st);
	free(list);
	return out;
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
 *
 * The statement is composed from the filters present, so that each is a plain comparison the
 * planner can serve from an index: tickets_project (project_id, status, owner_id, id) for
 * callers who see a few projects, tickets_status and tickets_owner for staff who see them all,
 * the partial indexes of open deadlines (by project too, for callers who see a few) for
 * overdue, whose few thousand tickets then come first. On SQLite, callers who see a few
 * projects first read their projects' tickets among the newest RECENT_IDS only
 * (tickets_project_recent: project, id, status, owner), which fill the page unless they see few
 * tickets; a page not filled there is read again from all of them (overdue pages at once: they
 * are few). The inner query picks the page's ids and reads nothing else; the outer one joins
 * the names for those ids only. A search on SQLite lets the full-text index drive (its rowid is
 * the ticket id), so that a page of a common word stops after fifty matches; callers who see a
 * few projects (SCOPE_KEYS_MAX or fewer) search for CJK ideographs among the words of their
 * projects only (ticket_scoped: short lists, one per project), and for anything else name their
 * projects in the FTS5 query by their project keys, so that the index hands out only their
 * projects' matches. Words of one or two characters without a CJK one have no index: staff
 * read the newest documents, customers their own. PostgreSQL's indexes give every match
 * unordered, so a common word there would read them all: staff who see everything first try
 * the newest documents alone (a window of PROBE_DOCS), which fill the page when the word is
 * common, and ask the index only when they do not. Callers who see a few projects search for
 * CJK ideographs among their projects' words, as on SQLite, range by range of ids there
 * (scoped_by_range(): the newest matches first), and for another word with a CJK
 * character through the unigrams' index with their projects' key words (only
 * their projects' documents holding every CJK character of it come out, which strpos() then
 * checks); for other words they have their own tickets read when they are few (OWN_DOCS or
 * fewer), else their newest PROBE_DOCS, which a common word fills the page from, and the index
 * only when those do not. Composed statements are kept for the life of the
 * process (the statement cache goes by the text's address): one per combination used.
 */
#define PROBE_DOCS 2000
#define OWN_DOCS 5000
#define SCOPE_KEYS_MAX 64
#define RECENT_IDS 100000
enum ticket_search {
	TS_NONE,
	TS_FTS,	 /* SQLite, 3+ characters: trigram FTS5 */
	TS_UNI,	 /* SQLite, 1-2 characters with a CJK one: unigram FTS5 */
	TS_SCAN, /* SQLite, 1-2 characters without: instr() over the newest */
	TS_OWN,	 /* SQLite, 1-2 characters without a CJK one, a customer: instr(), their own */
	TS_TRGM, /* PostgreSQL: ILIKE, pg_trgm's GIN index from 3 characters */
	TS_TSV,	 /* PostgreSQL, 1-2 characters with a CJK one: its unigrams' GIN index, strpos() */
	TS_WINDOW, /* PostgreSQL: ILIKE over the newest documents only, tried first */
	TS_WINDOW_EXACT, /* ... for CJK ideographs, which have no case: strpos() */
	TS_PG_OWN, /* PostgreSQL, callers who see a few projects: ILIKE over their own tickets */
	TS_PG_NEWEST, /* ... over their newest PROBE_DOCS tickets only */
	TS_PG_KEYED, /* ... with a CJK character: TS_TSV within their projects' key words */
	TS_RECENT, /* SQLite, no search, callers who see a few projects: the newest RECENT_IDS */
	TS_SCOPED, /* SQLite, CJK ideographs, callers who see a few projects: their projects' words */
	TS_PG_SCOPED, /* PostgreSQL, the same: their projects' words' GIN index, strpos() */
	TS_PG_RANGED, /* ... their projects' words by range of ids */
	TS_COUNT
};

enum {
	TF_STATUS = 1 << 0,
	TF_KIND = 1 << 1,
	TF_PROJECT = 1 << 2,
	TF_OWNER = 1 << 3,
	TF_UNOWNED = 1 << 4,
	TF_OVERDUE = 1 << 5,
	TF_ESCALATED = 1 << 6,
	TF_ALL = 1 << 7
};

#define LIST_KEYS (2 * TS_COUNT * 3 * TF_ALL)

struct list_query {
	struct buf *sql; /* NULL: the statement is composed already, only the args are wanted */
	struct db_val args[24];
	size_t n;
};

static void add(struct list_query *q, const char *sql, const struct db_val *args)
{
	if (q->sql)
		buf_adds(q->sql, sql);
	for (; args && args->t != DBV_END; args++) {
		assert(q->n < ARRAY_SIZE(q->args));
		q->args[q->n++] = *args;
	}
}
#define ADD(q, sql, ...) add(q, sql, (const struct db_val[]){ __VA_ARGS__ __VA_OPT__(,) DB_END })

/*
 * The projects a project-team member or a customer's user sees; the argument of either is
 * scope_id().
 */
#define MEMBER_PROJECTS(col) "SELECT " col " FROM project_members WHERE user_id = ?"
#define CUSTOMER_PROJECTS(col) "SELECT " col " FROM projects WHERE customer_id = ?"

static int64_t scope_id(const struct actor *who)
{
	return role_scope(who->role) == SCOPE_MEMBER ? who->user_id : who->customer_id;
}

/* The cursor: tickets before this id. */
static int64_t before(const struct ticket_filter *f)
{
	return f->before_id ? f->before_id : INT64_MAX;
}

/*
 * PostgreSQL's words of one project in a document's column col (010-scoped-words.sql: the
 * project's key word heads grams), and of one project and range of ids
 * (012-scoped-words-by-range.sql: then "x" and the id's range, id >> SCOPE_RANGE_SHIFT): the
 * expressions those migrations index, which the planner matches as written.
 */
#define SCOPE_RANGE_SHIFT 16
#define SCOPE_RANGE_STR_(n) #n
#define SCOPE_RANGE_STR(n) SCOPE_RANGE_STR_(n)
#define SCOPED_WORDS_PG(col) "kefu_scoped_words(split_part(d.grams, ' ', 1), d." col ")"
#define RANGED_WORDS_PG(col)                                                                \
	"kefu_scoped_words(split_part(d.grams, ' ', 1) || 'x' || (d.id >> "                  \
	SCOPE_RANGE_STR(SCOPE_RANGE_SHIFT) ")::text, d." col ")"

/*
 * PostgreSQL: the ids of the documents (ticket_docs d) before the cursor whose words (one of
 * the above) hold a tsquery, and whose column col the word itself; three arguments. "+ 0", so
 * that no plan goes by the primary key: for the cursor, a generic plan read all of it (a
 * BitmapAnd with the words' index); for the page's order, one walked every document newest
 * first, computing its words, until fifty matched (a customer's 防水, 44 in all: 88 s).
 */
#define SCOPED_PG(words, col)                                                               \
	" SELECT d.id + 0 AS id FROM ticket_docs d WHERE d.id + 0 < ?"                      \
	" AND to_tsvector('simple', " words ") @@ to_tsquery('simple', ?)"                   \
	" AND strpos(d." col ", ?) > 0"
#define SCOPED_PG_OF(ranged, col)                                                           \
	((ranged) ? SCOPED_PG(RANGED_WORDS_PG(col), col) : SCOPED_PG(SCOPED_WORDS_PG(col), col))

/* PostgreSQL: the tsquery of TS_TSV and TS_PG_KEYED (keys: kfp1 | kfp2 ..., scope_keys()). */
static void tsquery(struct list_query *q, enum ticket_search mode, const char *grams,
		    const char *keys)
{
	if (mode == TS_PG_KEYED)
		ADD(q, "(to_tsquery('simple', ?) && plainto_tsquery('simple', ?))", DT(keys),
		    DT(grams));
	else
		ADD(q, "plainto_tsquery('simple', ?)", DT(grams));
}

/* Only the tickets (column col) of the projects a caller sees, unless they see them all. */
static void in_scope(struct list_query *q, enum scope scope, const struct actor *who,
		     const char *col)
{
	if (scope == SCOPE_ALL)
		return;
	ADD(q, " AND ");
	ADD(q, col);
	ADD(q, scope == SCOPE_MEMBER ? " IN (" MEMBER_PROJECTS("project_id") ")"
				     : " IN (" CUSTOMER_PROJECTS("id") ")",
	    DI(scope_id(who)));
}

/* How holding() compares: what the SQL of its column is, given the column's name */
#define HOLDS_INSTR(col) "instr(lower(COALESCE(" col ", '')), lower(?)) > 0" /* SQLite */
#define HOLDS_ILIKE(col) col " ILIKE ?"     /* PostgreSQL, s a LIKE pattern */
#define HOLDS_STRPOS(col) "strpos(" col ", ?) > 0" /* PostgreSQL, s without case */

/*
 * The documents that hold s, in the text the caller may read (ticket_docs d): body and note
 * are one HOLDS_ comparison's SQL for d.body and for d.note.
 */
static void holding(struct list_query *q, bool staff, const char *body, const char *note,
		    const char *s)
{
	ADD(q, " (");
	ADD(q, body, DT(s));
	if (staff) {
		ADD(q, " OR ");
		ADD(q, note, DT(s));
	}
	ADD(q, ")");
}
#define HOLDING(q, staff, how, s) holding(q, staff, how("d.body"), how("d.note"), s)

/*
 * The ids of the overdue tickets a caller sees: no first response by its due time, or not
 * resolved by the time the customer required (the partial indexes of open deadlines, by
 * project for callers who see a few: 011; their INCLUDE holds the id and the project). set_op:
 * " UNION ALL ", or " UNION " for no ticket twice.
 */
static void overdue_ids(struct list_query *q, enum scope scope, const struct actor *who,
			int64_t now, const char *set_op)
{
	ADD(q, "SELECT id FROM tickets WHERE response_due < ? AND responded_at IS NULL", DI(now));
	in_scope(q, scope, who, "project_id");
	ADD(q, set_op);
	ADD(q, "SELECT id FROM tickets WHERE required_by < ? AND resolved_at IS NULL"
	       " AND status <> 'closed'",
	    DI(now));
	in_scope(q, scope, who, "project_id");
}

/* The statement for mode, scope and filters, with its arguments in order. */
static void compose(struct list_query *q, bool pg, enum ticket_search mode, enum scope scope,
		    unsigned flags, const struct actor *who, const struct ticket_filter *f,
		    const char *arg, const char *grams, const char *keys, int64_t now)
{
	bool staff = scope != SCOPE_CUSTOMER, ranged = mode == TS_PG_RANGED;
	const char *id = mode == TS_FTS || mode == TS_UNI || mode == TS_SCOPED ? "f.rowid" : "t.id";
	/*
	 * Callers who see a few projects walk their projects' tickets, whatever else is filtered:
	 * without statistics SQLite would rather walk every ticket of a status or an owner. Their
	 * overdue tickets are fewer still: those come from the open deadlines of their projects.
	 */
	const char *tickets = !pg && scope != SCOPE_ALL && !(flags & TF_OVERDUE)
				      ? " FROM tickets t INDEXED BY tickets_project"
				      : " FROM tickets t";

	ADD(q, TICKET_COLS " FROM tickets t" TICKET_JOINS " WHERE t.id IN (SELECT ");
	ADD(q, id);
	switch (mode) {
	case TS_FTS:
		ADD(q, " FROM ticket_fts f JOIN tickets t ON t.id = f.rowid WHERE ticket_fts MATCH ?",
		    DT(arg));
		break;
	case TS_UNI:
		/* unicode61 skips punctuation: "防，水" holds the phrase "防 水" too */
		ADD(q, " FROM ticket_uni f JOIN tickets t ON t.id = f.rowid"
		       " JOIN ticket_docs d ON d.id = f.rowid WHERE ticket_uni MATCH ? AND",
		    DT(arg));
		HOLDING(q, staff, HOLDS_INSTR, f->q);
		break;
	case TS_SCOPED:
		ADD(q, " FROM ticket_scoped f JOIN tickets t ON t.id = f.rowid"
		       " WHERE ticket_scoped MATCH ?",
		    DT(arg));
		break;
	case TS_SCAN:
	case TS_OWN:
		ADD(q, tickets);
		ADD(q, " JOIN ticket_docs d ON d.id = t.id WHERE");
		HOLDING(q, staff, HOLDS_INSTR, arg);
		break;
	/*
	 * PostgreSQL: every match through the index first (OFFSET 0 keeps the planner from
	 * walking all tickets newest first instead, which a generic plan would do for any word)
	 */
	case TS_TRGM:
		ADD(q, " FROM tickets t JOIN (SELECT d.id FROM ticket_docs d WHERE");
		HOLDING(q, staff, HOLDS_ILIKE, arg);
		ADD(q, " OFFSET 0) d ON d.id = t.id WHERE 1 = 1");
		break;
	case TS_WINDOW:
	case TS_WINDOW_EXACT:
		ADD(q, " FROM (SELECT id, body, note FROM ticket_docs WHERE id < ? ORDER BY id DESC"
		       " LIMIT ?) d JOIN tickets t ON t.id = d.id WHERE",
		    DI(before(f)), DI(PROBE_DOCS));
		/* ILIKE lowercases both sides of each of the 2,000: strpos() takes a fifth of it */
		if (mode == TS_WINDOW_EXACT)
			HOLDING(q, staff, HOLDS_STRPOS, arg);
		else
			HOLDING(q, staff, HOLDS_ILIKE, arg);
		break;
	case TS_PG_OWN:
	case TS_PG_NEWEST:
		/* OFFSET 0: the caller's tickets first, whatever the generic plan thinks */
		ADD(q, " FROM (SELECT t.* FROM tickets t WHERE 1 = 1");
		in_scope(q, scope, who, "t.project_id");
		if (mode == TS_PG_NEWEST)
			ADD(q, " AND t.id < ? ORDER BY t.id DESC LIMIT ?", DI(before(f)),
			    DI(PROBE_DOCS));
		ADD(q, " OFFSET 0) t JOIN ticket_docs d ON d.id = t.id WHERE");
		HOLDING(q, staff, HOLDS_ILIKE, arg);
		break;
	case TS_TSV:
	case TS_PG_KEYED:
		/*
		 * The documents holding every CJK character of q (in the caller's projects), then
		 * the substring itself: strpos(), which no index serves, not ILIKE, which a generic
		 * plan would have pg_trgm's index answer too, reading all of it for a pattern of
		 * under three characters.
		 */
		ADD(q, " FROM tickets t JOIN (SELECT d.id FROM ticket_docs d"
		       " WHERE to_tsvector('simple', d.grams) @@ ");
		tsquery(q, mode, grams, keys);
		ADD(q, " AND strpos(lower(d.body), lower(?)) > 0", DT(arg));
		/* a UNION, not OR: with OR each candidate's tsvectors were computed again */
		if (staff) {
			ADD(q, " UNION SELECT d.id FROM ticket_docs d"
			       " WHERE to_tsvector('simple', d.note_grams) @@ ");
			tsquery(q, mode, grams, keys);
			ADD(q, " AND strpos(lower(d.note), lower(?)) > 0", DT(arg));
		}
		ADD(q, " OFFSET 0) d ON d.id = t.id WHERE 1 = 1");
		break;
	case TS_PG_SCOPED:
	case TS_PG_RANGED:
		/*
		 * The pairs of three ideographs or more may stand apart: strpos() checks. The words
		 * are the caller's projects' only, so without other filters the page's ids come
		 * from the documents alone, and only those are joined.
		 */
		ADD(q, " FROM tickets t JOIN (");
		ADD(q, SCOPED_PG_OF(ranged, "body"), DI(before(f)), DT(keys), DT(arg));
		if (staff) {
			ADD(q, " UNION");
			ADD(q, SCOPED_PG_OF(ranged, "note"), DI(before(f)), DT(keys), DT(arg));
		}
		if (flags)
			ADD(q, " OFFSET 0");
		else
			ADD(q, " ORDER BY 1 DESC LIMIT ?", DI(f->limit));
		ADD(q, ") d ON d.id = t.id WHERE 1 = 1");
		break;
	case TS_RECENT:
		ADD(q, " FROM tickets t INDEXED BY tickets_project_recent");
		ADD(q, " WHERE t.id > COALESCE(?, (SELECT max(id) + 1 FROM tickets)) - ?",
		    DID(f->before_id), DI(RECENT_IDS));
		break;
	default:
		/*
		 * PostgreSQL, overdue and nothing else: the page's ids from those indexes alone.
		 * Its join with the tickets looked each of the ~1,100 up by the primary key for a
		 * page of 50 (cm's page: 25 ms, now 1.5).
		 */
		if (pg && flags == TF_OVERDUE) {
			ADD(q, " FROM (");
			overdue_ids(q, scope, who, now, " UNION ");
			ADD(q, ") t WHERE 1 = 1");
			goto page; /* in the caller's projects already, and no other filter */
		}
		ADD(q, tickets);
		ADD(q, " WHERE 1 = 1");
	}
	/*
	 * Overdue tickets are a few thousand at most: SQLite reads them first, by id, and checks
	 * the other filters on each ("+t.status" is no index's key), where it would rather walk a
	 * status's tickets newest first (every closed ticket, for a page of none).
	 */
	bool pin = !pg && (flags & TF_OVERDUE);
#define FILTER(cond, ...) ADD(q, pin ? " AND +t." cond : " AND t." cond __VA_OPT__(,) __VA_ARGS__)
	in_scope(q, scope, who, pin ? "+t.project_id" : "t.project_id");
	if (flags & TF_STATUS)
		FILTER("status = ?", DT(f->status));
	if (flags & TF_KIND)
		FILTER("kind = ?", DT(f->kind));
	if (flags & TF_PROJECT)
		FILTER("project_id = ?", DI(f->project_id));
	if (flags & TF_OWNER)
		FILTER("owner_id = ?", DI(f->owner_id));
	if (flags & TF_UNOWNED)
		FILTER("owner_id IS NULL");
#undef FILTER
	if (flags & TF_OVERDUE) {
		ADD(q, " AND t.id IN (");
		overdue_ids(q, scope, who, now, " UNION ALL ");
		ADD(q, ")");
	}
	if (flags & TF_ESCALATED)
		ADD(q, " AND " ESCALATES_TO_ARG, DI(who->user_id), DI(who->user_id), DI(who->user_id),
		    DI(who->user_id));
page:
	ADD(q, " AND ");
	ADD(q, id);
	ADD(q, " < ? ORDER BY ", DI(before(f)));
	ADD(q, id);
	ADD(q, " DESC LIMIT ?) ORDER BY t.id DESC", DI(f->limit));
}

/*
 * Adds to b the key words of the projects a caller sees, as the engine's full-text query joins
 * them ("k1" OR "k2" for FTS5, kfp1 | kfp2 for tsquery), or on SQLite with words (CJK
 * ideographs) their query among each of those projects' words (st_scoped_phrase()), and returns
 * true; for a caller who sees none, a word no document holds. False, b untouched, for callers
 * who see every project or more than SCOPE_KEYS_MAX.
 */
static bool scope_keys(struct db *db, const struct actor *who, const char *words,
		       struct buf *b)
{
	enum scope scope = role_scope(who->role);
	if (scope == SCOPE_ALL)
		return false;
	bool pg = db_engine(db) == DB_POSTGRES;
	const char *sql = scope == SCOPE_MEMBER
				  ? (pg ? MEMBER_PROJECTS(SCOPE_KEY_PG("project_id"))
					: MEMBER_PROJECTS(SCOPE_KEY_SQLITE("project_id")))
				  : (pg ? CUSTOMER_PROJECTS(SCOPE_KEY_PG("id"))
					: CUSTOMER_PROJECTS(SCOPE_KEY_SQLITE("id")));
	struct db_stmt *st = db_query(db, sql, DI(scope_id(who)));
	size_t start = b->len;
	int n = 0;
	while (n <= SCOPE_KEYS_MAX && db_step(st) == DB_ROW) {
		const char *or = n++ ? (pg ? " | " : " OR ") : "";
		if (words) {
			buf_adds(b, or);
			st_scoped_phrase(b, db_text(st, 0), words);
		} else {
			buf_addf(b, pg ? "%s%s" : "%s\"%s\"", or, db_text(st, 0));
		}
	}
	db_done(st);
	if (n > SCOPE_KEYS_MAX) {
		buf_setlen(b, start);
		return false;
	}
	if (!n) /* project ids start at 1; FTS5's empty phrase matches nothing */
		buf_adds(b, pg ? "kfp0" : "\"\"");
	return true;
}

/*
 * The FTS5 query of q on SQLite (malloc'd) and the index it is for (*mode): for a caller who
 * sees a few projects and a q of CJK ideographs, q among their projects' words (TS_SCOPED);
 * else its phrase in the columns the caller may read (the trigram index's text, TS_FTS, or
 * for under three characters the unigrams, TS_UNI), within the caller's projects when they
 * are few.
 */
static char *fts_query(struct db *db, const struct actor *who, const char *q,
		       enum ticket_search *mode)
{
	bool staff = role_scope(who->role) != SCOPE_CUSTOMER;
	struct buf b = BUF_INIT;
	buf_adds(&b, staff ? "{words note_words} : (" : "{words} : (");
	if (st_ideographs_only(q) && scope_keys(db, who, q, &b)) {
		buf_addc(&b, ')');
		*mode = TS_SCOPED;
		return buf_detach(&b, NULL);
	}
	buf_reset(&b);
	*mode = utf8_chars(q) >= 3 ? TS_FTS : TS_UNI;
	buf_adds(&b, "{project_key} : (");
	if (scope_keys(db, who, NULL, &b))
		buf_adds(&b, ") AND ");
	else
		buf_reset(&b);
	char *grams = *mode == TS_UNI ? st_unigrams(q) : NULL;
	char *phrase = *mode == TS_UNI
			       ? st_fts_phrase(staff ? "{grams note_grams}" : "{grams}", grams)
			       : st_fts_phrase(staff ? "{body note}" : "{body}", q);
	buf_adds(&b, phrase);
	free(phrase);
	free(grams);
	return buf_detach(&b, NULL);
}

static pthread_mutex_t composed_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(const char *) composed[LIST_KEYS];

/*
 * How a queue is read: PostgreSQL's searches (see above) and the recent window of callers who
 * see a few projects; PLAN_INDEX for everything else.
 */
enum plan {
	PLAN_INDEX,
	PLAN_WINDOW,
	PLAN_OWN,
	PLAN_OWN_NEWEST,
	PLAN_KEYED,
	PLAN_SCOPED,
	PLAN_RANGED,
	PLAN_RECENT
};

/* keys: for PLAN_KEYED, PLAN_SCOPED and PLAN_RANGED, the caller's projects' tsquery */
static void statement(struct db *db, const struct actor *who, const struct ticket_filter *f,
		      int64_t now, enum plan plan, const char *keys,
		      struct ticket_statement *out)
{
	enum scope scope = role_scope(who->role);
	bool pg = db_engine(db) == DB_POSTGRES;
	enum ticket_search mode = TS_NONE;
	char *arg = NULL, *grams = NULL;
	if (f->q && pg && plan == PLAN_WINDOW && st_ideographs_only(f->q)) {
		mode = TS_WINDOW_EXACT, arg = xstrdup(f->q);
	} else if (f->q && pg && plan == PLAN_WINDOW) {
		mode = TS_WINDOW, arg = st_like_pattern(f->q);
	} else if (f->q && pg && (plan == PLAN_OWN || plan == PLAN_OWN_NEWEST)) {
		mode = plan == PLAN_OWN ? TS_PG_OWN : TS_PG_NEWEST, arg = st_like_pattern(f->q);
	} else if (f->q && pg && (plan == PLAN_SCOPED || plan == PLAN_RANGED)) {
		mode = plan == PLAN_RANGED ? TS_PG_RANGED : TS_PG_SCOPED, arg = xstrdup(f->q);
	} else if (f->q && pg && plan == PLAN_KEYED) {
		mode = TS_PG_KEYED, arg = xstrdup(f->q), grams = st_cjk_grams(f->q);
	} else if (f->q && pg && utf8_chars(f->q) < 3 && st_has_cjk(f->q)) {
		mode = TS_TSV, arg = xstrdup(f->q), grams = st_cjk_grams(f->q);
	} else if (f->q && pg) {
		mode = TS_TRGM, arg = st_like_pattern(f->q);
	} else if (f->q && (utf8_chars(f->q) >= 3 || st_has_cjk(f->q))) {
		arg = fts_query(db, who, f->q, &mode);
	} else if (f->q && scope == SCOPE_CUSTOMER) {
		mode = TS_OWN, arg = xstrdup(f->q);
	} else if (f->q) {
		mode = TS_SCAN, arg = xstrdup(f->q);
	} else if (plan == PLAN_RECENT) {
		mode = TS_RECENT;
	}
	unsigned flags = (f->status ? TF_STATUS : 0) | (f->kind ? TF_KIND : 0) |
			 (f->project_id ? TF_PROJECT : 0) | (f->owner_id ? TF_OWNER : 0) |
			 (f->unowned ? TF_UNOWNED : 0) | (f->overdue || f->escalated ? TF_OVERDUE : 0) |
			 (f->escalated ? TF_ESCALATED : 0);
	size_t key = (((size_t)pg * TS_COUNT + (size_t)mode) * 3 + (size_t)scope) * TF_ALL + flags;

	struct list_query q = { 0 };
	struct buf text = BUF_INIT;
	const char *sql = atomic_load(&composed[key]);
	if (!sql)
		q.sql = &text;
	compose(&q, pg, mode, scope, flags, who, f, arg, grams, keys, now);
	if (!sql) {
		pthread_mutex_lock(&composed_lock);
		if (!(sql = atomic_load(&composed[key]))) {
			sql = buf_detach(&text, NULL);
			atomic_store(&composed[key], sql);
		}
		pthread_mutex_unlock(&composed_lock);
		buf_release(&text);
	}
	static_assert(ARRAY_SIZE(q.args) < ARRAY_SIZE(out->args), "room for DB_END");
	memcpy(out->args, q.args, q.n * sizeof(q.args[0]));
	out->args[q.n] = DB_END;
	out->sql = sql;
	out->text[0] = arg;
	out->text[1] = grams;
}

void store_tickets_statement(struct db *db, const struct actor *who, const struct ticket_filter *f,
			     int64_t now, struct ticket_statement *out)
{
	statement(db, who, f, now, PLAN_INDEX, NULL, out);
}

void store_tickets_statement_release(struct ticket_statement *q)
{
	free(q->text[0]);
	free(q->text[1]);
}

static json_t *run(struct db *db, const struct actor *who, const struct ticket_filter *f,
		   int64_t now, enum plan plan, const char *keys)
{
	struct ticket_statement q;
	statement(db, who, f, now, plan, keys, &q);
	json_t *a = store_rows_json(db_query_v(db, q.sql, q.args));
	store_tickets_statement_release(&q);
	return a;
}

/* How many tickets a caller who sees a few projects has, before the cursor. */
static int64_t own_tickets(struct db *db, const struct actor *who, const struct ticket_filter *f)
{
	int64_t n = 0;
	db_get_int(db, &n,
		   role_scope(who->role) == SCOPE_MEMBER
			   ? "SELECT count(*) FROM tickets WHERE project_id IN ("
			     MEMBER_PROJECTS("project_id") ") AND id < ?"
			   : "SELECT count(*) FROM tickets WHERE project_id IN ("
			     CUSTOMER_PROJECTS("id") ") AND id < ?",
		   DI(scope_id(who)), DI(before(f)));
	return n;
}

/*
 * Adds to b q's tsquery among the words of each project of keys (kfp1 | kfp2 …, scope_keys()):
 * of the project alone (range < 0), or of the project and that range of ids.
 */
static void scoped_tsquery(struct buf *b, const char *keys, int64_t range, const char *q)
{
	for (const char *k = keys, *end; *k; k = *end ? end + 3 : end) {
		if (!(end = strstr(k, " | ")))
			end = k + strlen(k);
		char key[48];
		int n = (int)(end - k);
		if (range < 0)
			snprintf(key, sizeof(key), "%.*s", n, k);
		else
			snprintf(key, sizeof(key), "%.*sx%lld", n, k, (long long)range);
		buf_adds(b, b->len ? " | " : "");
		st_scoped_tsquery(b, key, q);
	}
}

/*
 * PostgreSQL, a caller who sees a few projects (keys: kfp1 | kfp2 …, scope_keys()) and a q of
 * CJK ideographs: q among their projects' words by range of ids (012), in RANGE_STEPS
 * statements at most, the newest range in the first and twice as many ranges before those in
 * each next one, until the page is full; what is left of it then comes from their projects'
 * words of the older ids (010). Each statement's ids are older than the one's before, so their
 * pages follow one another. A common word's page reads the newest range's matches only (a
 * member's 卫生间: 57 of their 2,086); a rare word, which fills no page, asks 010's index for
 * the older ids with one word a project, where the ranges would take one a project and range
 * (~10 µs each).
 */
#define RANGE_STEPS 2
static json_t *scoped_by_range(struct db *db, const struct actor *who,
			       const struct ticket_filter *f, int64_t now, const char *keys)
{
	int64_t last = -1; /* the newest document before the cursor */
	db_get_int(db, &last, "SELECT COALESCE(max(id), 0) FROM ticket_docs WHERE id < ?",
		   DI(before(f)));
	json_t *a = json_array();
	struct ticket_filter page = *f;
	struct buf tsq = BUF_INIT;
	int64_t hi = last >> SCOPE_RANGE_SHIFT; /* the newest range not read yet */
	for (int step = 0, span = 1; hi >= 0 && json_array_size(a) < (size_t)f->limit; step++) {
		enum plan plan = PLAN_RANGED;
		buf_reset(&tsq);
		if (step < RANGE_STEPS) { /* ranges hi - span + 1 to hi */
			for (int64_t r = hi; r > hi - span && r >= 0; r--)
				scoped_tsquery(&tsq, keys, r, f->q);
			hi -= span, span *= 2;
		} else { /* the rest: the ids before range hi + 1, by 010's words */
			page.before_id = (hi + 1) << SCOPE_RANGE_SHIFT;
			scoped_tsquery(&tsq, keys, -1, f->q);
			hi = -1, plan = PLAN_SCOPED;
		}
		page.limit = f->limit - (int)json_array_size(a);
		json_t *more = run(db, who, &page, now, plan, tsq.s);
		json_array_extend(a, more);
		json_decref(more);
	}
	buf_release(&tsq);
	return a;
}

/* A full page from a window of the newest documents is the page the whole search gives. */
static json_t *full_page(json_t *a, const struct ticket_filter *f)
{
	if (json_array_size(a) == (size_t)f->limit)
		return a;
	json_decref(a);
	return NULL;
}

json_t *store_tickets_list(struct db *db, const struct actor *who,
			   const struct ticket_filter *f, int64_t now)
{
	json_t *a = NULL;
	struct buf keys = BUF_INIT;
	if (f->q && db_engine(db) == DB_POSTGRES) {
		/* ideographs alone: among their projects' own words, else with their key words */
		if (role_scope(who->role) == SCOPE_ALL)
			a = full_page(run(db, who, f, now, PLAN_WINDOW, NULL), f);
		else if (st_has_cjk(f->q) && scope_keys(db, who, NULL, &keys))
			a = st_ideographs_only(f->q) ? scoped_by_range(db, who, f, now, keys.s)
						     : run(db, who, f, now, PLAN_KEYED, keys.s);
		else if (own_tickets(db, who, f) <= OWN_DOCS)
			a = run(db, who, f, now, PLAN_OWN, NULL);
		else if (!(a = full_page(run(db, who, f, now, PLAN_OWN_NEWEST, NULL), f)) &&
			 utf8_chars(f->q) < 3 && !st_has_cjk(f->q))
			a = run(db, who, f, now, PLAN_OWN, NULL); /* no index serves it: read them all */
	}
	buf_release(&keys);
	/*
	 * Overdue tickets are few: the newest seldom fill a page of them. PostgreSQL would not
	 * read the window project by project but walk all its tickets: no window there.
	 */
	if (!f->q && !f->overdue && !f->escalated && role_scope(who->role) != SCOPE_ALL &&
	    db_engine(db) != DB_POSTGRES)
		a = full_page(run(db, who, f, now, PLAN_RECENT, NULL), f);
	if (!a)
		a = run(db, who, f, now, PLAN_INDEX, NULL);
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
