/* store.h - every query kefu runs, by entity; the only place that holds SQL */
#ifndef KF_STORE_H
#define KF_STORE_H

#include <jansson.h>

#include "../core/chain.h"
#include "../core/model.h"
#include "db.h"

/*
 * Conventions. Functions returning json_t * hand a new reference to the caller (json_decref
 * it) or NULL when the row does not exist or is not visible to the given actor. Rows become
 * objects keyed by column name: times (integer columns named *_at, *_due, at, required_by)
 * become RFC 3339 strings, "active" becomes a boolean, everything else keeps its SQL type.
 * Functions returning int give 0 or a negative kf_err (KF_ECONFLICT for a unique violation).
 */

/* ---- rows to JSON (st-json.c) ---- */
json_t *store_row_json(struct db_stmt *st);
/* All remaining rows as an array; calls db_done(). */
json_t *store_rows_json(struct db_stmt *st);
/* Same, without the conventions: the raw values, for audit snapshots. */
json_t *store_row_raw(struct db_stmt *st);

/* ---- schema (st-migrate.c) ---- */
/* Create or migrate the schema; idempotent. Returns the number of migrations applied. */
int store_migrate(struct db *db, struct kf_error *err);
/* True when the database answers a query. */
bool store_ping(struct db *db);
/* True when no user, customer or project exists yet. */
bool store_is_empty(struct db *db);

/* ---- users (st-users.c) ---- */
struct user_auth {
	int64_t id;
	enum role role;
	int64_t customer_id;
	bool active;
	char pw_hash[160];
};
int store_user_insert(struct db *db, const char *username, const char *name, enum role role,
		      int64_t customer_id, const char *pw_hash, int64_t now, int64_t *id);
json_t *store_user_get(struct db *db, int64_t id);
json_t *store_users_list(struct db *db);
/* KF_ENOTFOUND when no such user (active or not). */
int store_user_auth_by_name(struct db *db, const char *username, struct user_auth *out);
int store_user_auth_by_id(struct db *db, int64_t id, struct user_auth *out);
int store_user_set_text(struct db *db, int64_t id, const char *column, const char *value,
			int64_t now);
int store_user_set_role(struct db *db, int64_t id, enum role role, int64_t customer_id,
			int64_t now);
int store_user_set_active(struct db *db, int64_t id, bool active, int64_t now);
/*
 * The active staff who take and work on tickets, [{id, name, role, department_head}] by role;
 * with a project id only those who see that project (its team and the departments).
 */
json_t *store_staff_list(struct db *db, int64_t project_id);
/* Make the user a head of their department (their staff role), or no longer one. */
int store_user_set_head(struct db *db, int64_t id, bool head);
/* Replace the user's project memberships. */
int store_user_set_projects(struct db *db, int64_t id, json_t *project_ids);
/* Drop every session and API token of the user (password change, deactivation). */
int store_user_drop_credentials(struct db *db, int64_t id, const char *keep_hash);

/* ---- credentials (st-auth.c) ---- */
int store_cred_insert(struct db *db, const char *kind, const char *token_hash, int64_t user_id,
		      const char *csrf, int64_t now, int64_t expires_at);
/*
 * The active user behind a credential hash that has not expired: KF_EAUTH otherwise. csrf
 * receives the session's CSRF token (empty for API tokens).
 */
int store_cred_lookup(struct db *db, const char *token_hash, int64_t now, struct actor *who,
		      bool *is_session, char csrf[64]);
int store_cred_delete(struct db *db, const char *token_hash);
int store_cred_purge_expired(struct db *db, int64_t now);

/* ---- customers (st-customers.c) ---- */
int store_customer_insert(struct db *db, json_t *fields, int64_t now, int64_t *id);
int store_customer_update(struct db *db, int64_t id, json_t *fields, int64_t now);
json_t *store_customer_get(struct db *db, const struct actor *who, int64_t id);
json_t *store_customers_list(struct db *db, const struct actor *who);
bool store_customer_exists(struct db *db, int64_t id);

/* ---- projects (st-projects.c) ---- */
struct project_state {
	int64_t id;
	int64_t customer_id;
	enum stage stage;
	bool has_event;
	char last_event_date[11];
};
int store_project_insert(struct db *db, json_t *fields, int64_t now, int64_t *id);
int store_project_update(struct db *db, int64_t id, json_t *fields, int64_t now);
json_t *store_project_get(struct db *db, const struct actor *who, int64_t id);
/* Filters: stage key or NULL, customer_id or 0, q substring or NULL. */
json_t *store_projects_list(struct db *db, const struct actor *who, const char *stage,
			    int64_t customer_id, const char *q);
bool store_project_visible(struct db *db, const struct actor *who, int64_t id);
int store_project_state(struct db *db, int64_t id, struct project_state *out);
int store_project_set_members(struct db *db, int64_t id, json_t *user_ids);
int store_project_add_member(struct db *db, int64_t id, int64_t user_id);
/* Record a stage event and move the project's stage; KF_ECONFLICT when it already exists. */
int store_stage_event_insert(struct db *db, int64_t project_id, enum stage_event ev,
			     const char *date, const char *note, enum stage from, enum stage to,
			     int64_t user_id, int64_t now, int64_t *id);
json_t *store_stage_event_get(struct db *db, int64_t id);
json_t *store_stage_events_list(struct db *db, int64_t project_id);
/* True when user_id is an active user whose role is in the mask. */
bool store_user_has_role(struct db *db, int64_t user_id, unsigned role_mask);

/* ---- score sheet versions (st-forms.c) ---- */
/* Publish items (a JSON array) as the next version of phase's sheet. */
int store_form_insert(struct db *db, const char *phase, const char *record, const char *title,
		      const char *title_en, json_t *items, int64_t user_id, int64_t now,
		      int64_t *id);
/* The newest version of each sheet, in the order pre, process, post. */
json_t *store_forms_latest(struct db *db);
json_t *store_form_get(struct db *db, int64_t id);
/* Every version of phase's sheet, oldest first. */
json_t *store_form_versions(struct db *db, const char *phase);
bool store_forms_present(struct db *db, const char *phase);

/* ---- evaluations (st-evaluations.c) ---- */
struct evaluation_row {
	int64_t project_id, form_id, amends_id, user_id, created_at;
	const char *form, *kind, *period, *date, *grade, *customer_rep, *comment, *reason;
	int score; /* tenths */
	bool serious;
	int summary_deduction;
};
int store_evaluation_insert(struct db *db, const struct evaluation_row *e, int64_t *id);
int store_evaluation_item_insert(struct db *db, int64_t evaluation_id, int position,
				 const char *key, const char *title, int points,
				 const char *rating, int penalty, int score);
/* With its "items"; NULL when unknown or not visible (customers: self-checks never are). */
json_t *store_evaluation_get(struct db *db, const struct actor *who, int64_t id);
/* The visible evaluations of a project by date, without items. */
json_t *store_evaluations_list(struct db *db, const struct actor *who, int64_t project_id);

/* ---- penalty cases, improvement reviews, summary rows (st-cases.c) ---- */
/* One official evaluation of a project, as PROCEDURE §8 needs it. */
struct official_eval {
	int64_t id, amends_id; /* amends_id 0 when it amends nothing */
	char date[11];
	bool fail;        /* graded fail on its own score */
	bool superseded;  /* an amendment replaced it */
	bool covered;     /* a penalty case covers it */
	bool opened_case; /* it opened a penalty case */
};
/* The project's official evaluations in id order; *out is malloc'd (free() it). */
int store_official_evals(struct db *db, int64_t project_id, struct official_eval **out,
			 size_t *n);
/* A case opened by evaluation_id, covering ids[0..nids). */
int store_case_insert(struct db *db, int64_t project_id, int64_t evaluation_id, int level,
		      const char *reason, const int64_t *ids, int nids, int64_t now, int64_t *id);
json_t *store_case_get(struct db *db, const struct actor *who, int64_t id);
/* Newest first; project_id 0 and status NULL mean any. */
json_t *store_cases_list(struct db *db, const struct actor *who, int64_t project_id,
			 const char *status);
/* KF_ECONFLICT when the case is decided already. */
int store_case_decide(struct db *db, int64_t id, const char *text, int64_t user_id,
		      int64_t now);
int store_review_insert(struct db *db, int64_t project_id, int64_t evaluation_id, bool fail,
			bool serious, int64_t now, int64_t *id);
json_t *store_review_get(struct db *db, const struct actor *who, int64_t id);
json_t *store_reviews_list(struct db *db, const struct actor *who, int64_t project_id,
			   const char *status);
/* KF_ECONFLICT when the review is closed already. */
int store_review_close(struct db *db, int64_t id, const char *findings, int64_t user_id,
		       int64_t now);
/*
 * The sheets 6.4 summaries use: rows (project_id, code, name, stage, id, form, date, score,
 * summary_deduction, open_serious) of the official evaluations not replaced by an amendment,
 * dated up to until, of the visible projects (only project_id unless 0), ordered by
 * project, date, id.
 */
json_t *store_summary_sheets(struct db *db, const struct actor *who, int64_t project_id,
			     const char *until);

/* ---- tickets (st-tickets.c) ---- */
struct ticket_row {
	const char *number, *kind, *title, *description, *channel, *location;
	int64_t project_id, required_by, owner_id, created_by, response_due, responded_at,
		created_at; /* 0 for NULL */
};
/* Bump and return the year's ticket counter (inside the creating transaction). */
int store_ticket_next_number(struct db *db, int year, int64_t *n);
int store_ticket_insert(struct db *db, const struct ticket_row *t, int64_t *id);
/* What the rules need of ticket id, and whether user_id is assigned to it. */
struct ticket_state_row {
	char status[32], kind[32];
	int64_t owner_id, project_id; /* owner 0: none */
	bool assignee;
};
int store_ticket_facts(struct db *db, int64_t id, int64_t user_id, struct ticket_state_row *out);
/* One move: NULL / 0 members leave the column as it is. */
struct ticket_change {
	const char *old_status, *status, *scope, *satisfaction;
	int64_t owner_id, responded_at, now;
	int resolved; /* 1: set resolved_at to now, 2: clear it */
	bool closes, take, improvement_need;
};
/* KF_ECONFLICT when the ticket left old_status (or, taking, got an owner) meanwhile. */
int store_ticket_change(struct db *db, int64_t id, const struct ticket_change *c);
int store_ticket_event_insert(struct db *db, int64_t ticket_id, const char *action,
			      int64_t user_id, int64_t at, const char *text, bool internal,
			      const char *data, int64_t *id);
int store_ticket_assign(struct db *db, int64_t ticket_id, int64_t user_id);
/* Bring the ticket's search documents up to date (after create and comments). */
int store_ticket_index(struct db *db, int64_t id);
json_t *store_ticket_get(struct db *db, const struct actor *who, int64_t id);
/* The history, oldest first; internal comments only when internal. */
json_t *store_ticket_history(struct db *db, int64_t id, bool internal);
struct ticket_filter {
	const char *status, *kind, *q;
	int64_t project_id, owner_id; /* 0: any */
	bool unowned, overdue;
	bool escalated; /* overdue and escalated to the caller (P-5.3.3) */
	int64_t before_id; /* the cursor: tickets with smaller ids; 0 from the newest */
	int limit;
};
json_t *store_tickets_list(struct db *db, const struct actor *who,
			   const struct ticket_filter *f, int64_t now);
/*
 * Whom each of the n tickets escalates to were it overdue (P-5.3.3): {"<ticket id>": [{id,
 * name}, ...]}, one statement for a page.
 */
json_t *store_tickets_escalation(struct db *db, const int64_t *ids, size_t n);
/*
 * The statement store_tickets_list() runs for f, with its arguments (ending in DB_END; they
 * point into f and into text[]): for bench/explain-tickets.py. Release it after use.
 */
struct ticket_statement {
	const char *sql;
	struct db_val args[25];
	char *text[2];
};
void store_tickets_statement(struct db *db, const struct actor *who, const struct ticket_filter *f,
			 int64_t now, struct ticket_statement *q);
void store_tickets_statement_release(struct ticket_statement *q);

/* Something was added to the ticket (an attachment): its updated_at moves. */
int store_ticket_touch(struct db *db, int64_t id, int64_t now);
/* Attachments of a ticket; the bytes are in the files folder (files.h) under sha256. */
int store_attachment_insert(struct db *db, int64_t ticket_id, const char *name, const char *type,
			    int64_t size, const char *sha256, int64_t user_id, int64_t now,
			    int64_t *id);
json_t *store_attachments_list(struct db *db, int64_t ticket_id);
json_t *store_attachment_get(struct db *db, int64_t ticket_id, int64_t id);

/* ---- corrective actions (st-corrective.c) ---- */
int store_corrective_insert(struct db *db, const char *title, const char *plan, int64_t user_id,
			    int64_t now, int64_t *id);
int store_corrective_add_ticket(struct db *db, int64_t id, int64_t ticket_id);
/* Record an acceptance (result "accepted" or "rework"); KF_ECONFLICT once accepted. */
int store_corrective_accept(struct db *db, int64_t id, const char *customer_rep,
			    const char *appraisal, const char *result, int64_t user_id,
			    int64_t now, int64_t *acceptance_id);
json_t *store_corrective_get(struct db *db, int64_t id);
json_t *store_corrective_list(struct db *db);

/* ---- search (st-search.c) ---- */
/*
 * Bring the search documents of projects up to date: project project_id, and every project
 * of customer customer_id (its name is part of them); 0 for neither.
 */
int store_search_index_projects(struct db *db, int64_t project_id, int64_t customer_id);

/* ---- cluster-wide locks (st-locks.c) ---- */
/*
 * Serialise writers across servers for the rest of the transaction: every write batch and
 * every audited change takes it first, so transactions on one PostgreSQL never deadlock and
 * the audit chain never forks. A no-op on SQLite, whose single writer is already alone.
 */
int store_lock_writers(struct db *db);
/* Lock project id for the rest of the transaction (FOR UPDATE); KF_ENOTFOUND if none. */
int store_lock_project(struct db *db, int64_t id);
/*
 * Take the cluster-wide lock of a scheduled job by name without waiting; true when this
 * server got it and must run the job, then store_job_unlock(). Always true on SQLite.
 */
bool store_job_trylock(struct db *db, const char *name);
void store_job_unlock(struct db *db, const char *name);

/* ---- audit (st-audit.c) ---- */
/*
 * Append an audit row for entity/entity_id, whose data is the entity's current snapshot as
 * stored (or null when it no longer exists). Must run inside the transaction that made the
 * change. Entities: customer, project, project_members, stage_event, user.
 */
int store_audit_append(struct db *db, int64_t user_id, const char *action, const char *entity,
		       int64_t entity_id, int64_t now);
/*
 * Verify the chain and that every audited entity still matches its latest snapshot. Returns
 * 0 when everything holds, 1 when something is broken (what and where in *report, which the
 * caller frees), or a negative kf_err.
 */
int store_audit_verify(struct db *db, char **report, int64_t *rows_checked);

#endif
