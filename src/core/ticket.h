/* ticket.h - PROCEDURE §4: a request's states, and who may move it how (first-contact ownership) */
#ifndef KF_TICKET_H
#define KF_TICKET_H

#include "../lib/util.h"
#include "model.h"

/* What the customer or a related party asks or complains about (§4, P-5.2.2f/g). */
enum ticket_kind { TK_COMPLAINT, TK_REPAIR, TK_INQUIRY, TK_SPECIAL_REQUEST, TK_SUSPENSION_CLAIM,
		   TK_ENVIRONMENT_SAFETY, TK__COUNT };
const char *ticket_kind_key(enum ticket_kind k);
int ticket_kind_parse(const char *s); /* -1 when unknown */

/*
 * new: received, not yet triaged (with or without an owner) · awaiting_customer: out of
 * contract, the customer's written confirmation pending · awaiting_approval: a special
 * request waiting for the leader · in_progress: being worked on · awaiting_verification: a
 * repair reported done, the quality dept to verify · resolved: result reported, the
 * customer's rating pending · closed: rated satisfied or average, declined, rejected, or
 * cannot be handled (with the written reason).
 */
enum ticket_state { TS_NEW, TS_AWAITING_CUSTOMER, TS_AWAITING_APPROVAL, TS_IN_PROGRESS,
		    TS_AWAITING_VERIFICATION, TS_RESOLVED, TS_CLOSED, TS__COUNT };
const char *ticket_state_key(enum ticket_state s);
int ticket_state_parse(const char *s);

enum ticket_action { TA_TAKE, TA_HANDOVER, TA_ASSIGN, TA_TRIAGE, TA_CONFIRM, TA_DECLINE,
		     TA_APPROVE, TA_RESOLVE, TA_VERIFY, TA_RATE, TA_COMMENT, TA_PAPERWORK,
		     TA__COUNT };
const char *ticket_action_key(enum ticket_action a);
int ticket_action_parse(const char *s);

/* The choice an action carries; which one depends on the action. */
enum triage_scope { TRIAGE_IN_CONTRACT, TRIAGE_OUT_OF_CONTRACT, TRIAGE_CANNOT_HANDLE,
		    TRIAGE__COUNT }; /* triage */
const char *triage_scope_key(enum triage_scope s);
int triage_scope_parse(const char *s);
enum satisfaction { SAT_SATISFIED, SAT_AVERAGE, SAT_UNSATISFIED, SAT__COUNT }; /* rate (P-5.4) */
const char *satisfaction_key(enum satisfaction s);
int satisfaction_parse(const char *s);
/*
 * paperwork (P-5.2.2f): the documents of a suspension, claim or force-majeure event, as they
 * are exchanged: the written notice, the evidence (site records, visas, photos), the claim
 * itself (days, amount), its review, the agreement (or rejection) signed, work resumed.
 */
enum paper_step { PAPER_NOTICE, PAPER_EVIDENCE, PAPER_CLAIM, PAPER_REVIEW, PAPER_AGREEMENT,
		  PAPER_RESUMPTION, PAPER__COUNT };
const char *paper_step_key(enum paper_step s);
int paper_step_parse(const char *s);

/* Staff who take, own and work on requests: everyone but the system administrator. */
#define ROLES_TICKET_STAFF (ROLES_STAFF & ~ROLE_BIT(ROLE_ADMIN))

/* The ticket as the rules need it. */
struct ticket_facts {
	enum ticket_state state;
	enum ticket_kind kind;
	bool has_owner;
};

/* Who asks: role, and how they stand to this ticket. */
struct ticket_caller {
	enum role role;
	bool owner;    /* the ticket's owner */
	bool assignee; /* assigned to work on it */
};

/*
 * The move asked for. choice is the action's choice as parsed (scope for triage, 1 approve /
 * 0 reject for approve, 1 pass / 0 fail for verify, satisfaction for rate, 1 internal for
 * comment, the step for paperwork). has_text: the written reason or note the action carries is present; on_behalf:
 * staff recording the customer's word (evidence for confirm/decline, source for rate).
 */
struct ticket_move {
	enum ticket_action action;
	int choice;
	bool has_text;
	bool on_behalf;
};

/* What a permitted move does. */
struct ticket_outcome {
	enum ticket_state next;
	bool take;             /* the caller becomes the owner */
	bool first_response;   /* stops the response clock (take, triage) */
	bool improvement_need; /* the customer was unsatisfied (P-5.4) */
	bool closes;           /* next is closed */
};

/*
 * Decide a move. 0 and *out on success; KF_EFORBID ("forbidden", field "action") when the
 * caller's role or relation to the ticket may never make it; KF_ECONFLICT ("conflict") when
 * the ticket's state (or kind) does not allow it now; KF_EINVAL naming the missing field
 * ("reason", "evidence", "source", "note", "text") when the move lacks what it must carry. Refusals change nothing.
 */
int ticket_apply(const struct ticket_facts *t, const struct ticket_caller *c,
		 const struct ticket_move *m, struct ticket_outcome *out, struct kf_error *err);

#endif
