/* app.h - the use cases: one function per thing a user does */
#ifndef KF_APP_H
#define KF_APP_H

#include <jansson.h>

#include "../core/model.h"
#include "../lib/buf.h"
#include "../lib/util.h"
#include "../store/db.h"

/*
 * Every use case runs against one connection with the caller and the clock passed in; the
 * ones that change something open their own (possibly nested) transaction, write the audit
 * row in it, and leave nothing behind when they fail. Bodies arrive already checked against
 * the route's shape (types, lengths, unknown members); the use case checks meaning.
 * Results are new JSON references owned by the caller.
 */
struct app_ctx {
	struct db *db;
	struct actor who;
	int64_t now; /* UTC seconds */
};

/* ---- credentials (app/auth.c) ---- */
#define TOKEN_CHARS 48 /* base64url of 32 random bytes plus a prefix, with NUL */
#define SESSION_SECONDS (12 * 3600)

/* Library set-up; call once before threads start. */
void auth_init(void);
/* argon2id hash of password into out (crypto_pwhash_STRBYTES). */
void auth_hash_password(const char *password, char *out, size_t outlen);
/*
 * Check username/password. Takes the same time whether or not the user exists. On success
 * fills *who; else KF_EAUTH "invalid_credentials".
 */
int auth_check_password(struct db *db, const char *username, const char *password,
			struct actor *who, struct kf_error *err);
/* Start a session for who: fills token and csrf. */
int auth_session_create(struct db *db, const struct actor *who, int64_t now,
			char token[TOKEN_CHARS], char csrf[TOKEN_CHARS]);
int auth_session_delete(struct db *db, const char *token);
/* Resolve a session cookie or API token to the caller; KF_EAUTH when not valid now. */
int auth_resolve(struct db *db, const char *token, int64_t now, struct actor *who,
		 bool *is_session, char csrf[64]);
/* Create an API token for an active user (CLI). */
int auth_token_create(struct db *db, const char *username, int64_t now, char token[TOKEN_CHARS],
		      struct kf_error *err);
/* Constant-time string equality for secrets. */
bool auth_secret_equal(const char *a, const char *b);

/* ---- sign-in throttling (app/ratelimit.c) ---- */
/* Whether key (a username or an address) may try now; seconds to wait in *retry. */
bool ratelimit_allow(const char *kind, const char *key, int64_t now, int *retry);
void ratelimit_fail(const char *kind, const char *key, int64_t now);
void ratelimit_reset(const char *kind, const char *key);

/* ---- users (app/users.c) ---- */
int app_user_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err);
int app_user_update(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		    struct kf_error *err);
int app_user_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
json_t *app_users_list(struct app_ctx *c);
/* The signed-in user's own record. */
json_t *app_me(struct app_ctx *c);
/* The staff directory for pickers (hand-over, assignment): ?project_id= those who see it. */
int app_staff_list(struct app_ctx *c, const char *project_id, json_t **out,
		   struct kf_error *err);

/* ---- customers (app/customers.c) ---- */
int app_customer_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err);
int app_customer_update(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
			struct kf_error *err);
int app_customer_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
json_t *app_customers_list(struct app_ctx *c);

/* ---- projects and stages (app/projects.c) ---- */
int app_project_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err);
int app_project_update(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		       struct kf_error *err);
int app_project_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
int app_projects_list(struct app_ctx *c, const char *stage, const char *customer_id,
		      const char *q, json_t **out, struct kf_error *err);
int app_project_set_members(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
			    struct kf_error *err);
int app_stage_event_create(struct app_ctx *c, int64_t project_id, json_t *body, json_t **out,
			   struct kf_error *err);
int app_stage_events_list(struct app_ctx *c, int64_t project_id, json_t **out,
			  struct kf_error *err);
/* Whether the caller may see project / customer / user id at all (404 otherwise). */
bool app_project_visible(struct app_ctx *c, int64_t id);
bool app_customer_visible(struct app_ctx *c, int64_t id);

/* ---- score sheets (app/forms.c) ---- */
/* Publish the shipped sheets 6.1-6.3 as version 1 where a sheet has no version yet. */
int app_forms_ensure(struct db *db, int64_t now);
/* The newest version of each sheet, with its weight in the summary. */
json_t *app_forms_list(struct app_ctx *c);
int app_form_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
/* Admin: publish {"key", "title"?, "title_en"?, "items": [{key, title, title_en?, points}]}. */
int app_form_publish(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err);

/* ---- evaluations (app/evaluations.c) ---- */
/*
 * Submit a filled sheet for a project (PROCEDURE §6-7): official by cm dept, self-checks by
 * the project team on 6.2 for a month; the sheet must fit the project's stage; every item
 * rated once; penalty exactly when serious, summary deduction exactly when some item is.
 */
int app_evaluation_create(struct app_ctx *c, int64_t project_id, json_t *body, json_t **out,
			  struct kf_error *err);
int app_evaluation_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
int app_evaluations_list(struct app_ctx *c, int64_t project_id, json_t **out,
			 struct kf_error *err);
bool app_evaluation_visible(struct app_ctx *c, int64_t id);
/*
 * Correct a submitted evaluation (P-5.6): the body of a submission plus "reason", on the sheet
 * version of the one corrected, same form and kind, any stage; the new one supersedes it.
 * KF_ECONFLICT when it is superseded already.
 */
int app_evaluation_amend(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
			 struct kf_error *err);

/* ---- penalty cases and improvement reviews (app/cases.c) ---- */
/*
 * Inside the transaction that stored official evaluation evaluation_id (new or an
 * amendment): open the penalty case it triggers by PROCEDURE §8, and an improvement review
 * for cm when it fails or has a serious item (§6).
 */
int app_cases_follow(struct app_ctx *c, int64_t project_id, int64_t evaluation_id, bool fail,
		     bool serious);
/* Filters as the query gives them (NULL for none): project_id, status. */
int app_cases_list(struct app_ctx *c, const char *project, const char *status, json_t **out,
		   struct kf_error *err);
int app_case_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
bool app_case_visible(struct app_ctx *c, int64_t id);
/* The leader's decision {"text"}; KF_ECONFLICT when decided already. */
int app_case_decide(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		    struct kf_error *err);
int app_reviews_list(struct app_ctx *c, const char *project, const char *status, json_t **out,
		     struct kf_error *err);
int app_review_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
bool app_review_visible(struct app_ctx *c, int64_t id);
/* cm closes a review with its findings {"findings"}; KF_ECONFLICT when closed already. */
int app_review_close(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		     struct kf_error *err);

/* ---- record 6.4 (app/summaries.c) ---- */
/* The project's summary now: phases, deduction, total, provisional, grade, satisfied. */
int app_project_summary(struct app_ctx *c, int64_t project_id, json_t **out,
			struct kf_error *err);
/*
 * The company table for quarter "YYYY-Qn": one row per visible project evaluated by the
 * quarter's end, from the sheets dated by then; sort is a key with an optional "-".
 */
int app_summaries(struct app_ctx *c, const char *quarter, const char *sort, json_t **out,
		  struct kf_error *err);

/* ---- tickets (app/tickets.c) ---- */
/* Receive a request (PROCEDURE §4): staff who record it own it at once; customers' wait. */
int app_ticket_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err);
/* The ticket with its deadlines and history (customers: no internal notes). */
int app_ticket_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
bool app_ticket_visible(struct app_ctx *c, int64_t id);
/* One step {"action", ...} by the rules of core/ticket.c; the answer is the ticket. */
int app_ticket_act(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		   struct kf_error *err);
/* The queue's filters as the query string gives them (NULL: not given). */
struct ticket_query {
	const char *status, *kind, *project_id, *owner_id, *unowned, *overdue, *escalated, *q,
		*limit, *cursor;
};
/* {"items": [...], "next_cursor": string or null}, newest first. */
int app_tickets_list(struct app_ctx *c, const struct ticket_query *q, json_t **out,
		     struct kf_error *err);

/* ---- attachments (app/attachments.c) ---- */
/*
 * Keep file name's n bytes at p with ticket ticket_id: a JPEG, PNG, WebP or PDF by content
 * (else KF_EMEDIA), up to the setting's size (else KF_ETOOBIG); not on a closed ticket.
 */
int app_attachment_add(struct app_ctx *c, int64_t ticket_id, const char *name, const void *p,
		       size_t n, json_t **out, struct kf_error *err);
int app_attachments_list(struct app_ctx *c, int64_t ticket_id, json_t **out,
			 struct kf_error *err);
/* One attachment's row (*meta) and bytes (appended to bytes). */
int app_attachment_read(struct app_ctx *c, int64_t ticket_id, int64_t id, json_t **meta,
			struct buf *bytes, struct kf_error *err);

/* ---- corrective actions (app/corrective.c) ---- */
/* cm: {"title", "ticket_ids", "plan"}. */
int app_corrective_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err);
/* cm, with the customer representative: {"customer_rep", "appraisal", "result"}. */
int app_corrective_accept(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
			  struct kf_error *err);
int app_corrective_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err);
json_t *app_corrective_list(struct app_ctx *c);

/* ---- set-up (app/setup.c) ---- */
struct settings;
struct scoring_rules;
/* The settings in force: the defaults until app_settings_use(). */
const struct settings *app_settings(void);
/* The scoring rules in force: PROCEDURE §7's readings as the settings say. */
const struct scoring_rules *app_rules(void);
/* Put a copy of s in force; call once at start, before any thread serves requests. */
void app_settings_use(const struct settings *s);
/* Whether the database answers. */
bool app_healthy(struct app_ctx *c);
/* Create or migrate the schema; with demo, fill an empty database with the demo company. */
int app_init(struct db *db, bool demo, int64_t now, struct kf_error *err);
/* CLI user add: the system adds a user with its password and memberships. */
int app_user_add(struct db *db, const char *username, const char *role, const char *name,
		 int64_t customer_id, const int64_t *projects, size_t nprojects,
		 const char *password, int64_t now, int64_t *id, struct kf_error *err);
/*
 * Start of a group-commit batch, inside its transaction: on PostgreSQL the batch first takes
 * the cluster-wide writers' lock, so batches of several servers never deadlock.
 */
int app_batch_begin(struct db *db);
/*
 * An element of a list in a body (field "items[3]") must be an object with no members other
 * than those in allowed (NULL-terminated); else KF_EINVAL naming field.
 */
int app_check_object(json_t *o, const char *field, const char *const *allowed,
		     struct kf_error *err);
/* Commit-or-rollback helper: finish the transaction begun for a use case. */
int app_finish(struct db *db, int rc);

#endif
