/* ticket.c - PROCEDURE §4: a request's states, and who may move it how (first-contact ownership) */
#include "ticket.h"

#include <string.h>

static const char *const kind_keys[TK__COUNT] = {
	[TK_COMPLAINT] = "complaint",
	[TK_REPAIR] = "repair",
	[TK_INQUIRY] = "inquiry",
	[TK_SPECIAL_REQUEST] = "special_request",
	[TK_SUSPENSION_CLAIM] = "suspension_claim",
	[TK_ENVIRONMENT_SAFETY] = "environment_safety",
};

static const char *const state_keys[TS__COUNT] = {
	[TS_NEW] = "new",
	[TS_AWAITING_CUSTOMER] = "awaiting_customer",
	[TS_AWAITING_APPROVAL] = "awaiting_approval",
	[TS_IN_PROGRESS] = "in_progress",
	[TS_AWAITING_VERIFICATION] = "awaiting_verification",
	[TS_RESOLVED] = "resolved",
	[TS_CLOSED] = "closed",
};

static const char *const action_keys[TA__COUNT] = {
	[TA_TAKE] = "take",	  [TA_HANDOVER] = "handover", [TA_ASSIGN] = "assign",
	[TA_TRIAGE] = "triage",	  [TA_CONFIRM] = "confirm",   [TA_DECLINE] = "decline",
	[TA_APPROVE] = "approve", [TA_RESOLVE] = "resolve",   [TA_VERIFY] = "verify",
	[TA_RATE] = "rate",	  [TA_COMMENT] = "comment",   [TA_PAPERWORK] = "paperwork",
};

static const char *const scope_keys[TRIAGE__COUNT] = {
	[TRIAGE_IN_CONTRACT] = "in_contract",
	[TRIAGE_OUT_OF_CONTRACT] = "out_of_contract",
	[TRIAGE_CANNOT_HANDLE] = "cannot_handle",
};

static const char *const paper_keys[PAPER__COUNT] = {
	[PAPER_NOTICE] = "notice",	 [PAPER_EVIDENCE] = "evidence",
	[PAPER_CLAIM] = "claim",	 [PAPER_REVIEW] = "review",
	[PAPER_AGREEMENT] = "agreement", [PAPER_RESUMPTION] = "resumption",
};

static const char *const satisfaction_keys[SAT__COUNT] = {
	[SAT_SATISFIED] = "satisfied",
	[SAT_AVERAGE] = "average",
	[SAT_UNSATISFIED] = "unsatisfied",
};

#define KEY_FNS(name, type, keys, count)                                                    \
	const char *name##_key(type v)                                                      \
	{                                                                                   \
		return (unsigned)v < (count) ? keys[v] : NULL;                              \
	}                                                                                   \
	int name##_parse(const char *s)                                                     \
	{                                                                                   \
		return key_index(keys, (count), s);                                         \
	}

KEY_FNS(ticket_kind, enum ticket_kind, kind_keys, TK__COUNT)
KEY_FNS(ticket_state, enum ticket_state, state_keys, TS__COUNT)
KEY_FNS(ticket_action, enum ticket_action, action_keys, TA__COUNT)
KEY_FNS(triage_scope, enum triage_scope, scope_keys, TRIAGE__COUNT)
KEY_FNS(satisfaction, enum satisfaction, satisfaction_keys, SAT__COUNT)
KEY_FNS(paper_step, enum paper_step, paper_keys, PAPER__COUNT)

static bool is_staff(enum role r)
{
	return ROLE_BIT(r) & ROLES_TICKET_STAFF;
}

/*
 * Whether the caller may ever make this move on this ticket, whatever its state: the role,
 * and ownership where the procedure ties the move to the owner (P-5.3.2).
 */
static int may(const struct ticket_caller *c, const struct ticket_move *m, struct kf_error *err)
{
	const char *why = NULL;
	bool customer = c->role == ROLE_CUSTOMER;
	switch (m->action) {
	case TA_TAKE:
		if (!is_staff(c->role))
			why = "requests are taken by staff";
		break;
	case TA_HANDOVER:
	case TA_ASSIGN:
	case TA_TRIAGE:
		if (!is_staff(c->role) || !c->owner)
			why = "only the owner of the request may do this";
		break;
	case TA_CONFIRM:
	case TA_DECLINE:
	case TA_RATE:
		/* the customer, or staff writing down what the customer said */
		if (!customer && !is_staff(c->role))
			why = "the customer answers this";
		break;
	case TA_APPROVE:
		if (c->role != ROLE_LEADER)
			why = "special requests are approved by the leader";
		break;
	case TA_RESOLVE:
		if (!is_staff(c->role) || !(c->owner || c->assignee))
			why = "the owner or someone assigned reports the result";
		break;
	case TA_PAPERWORK:
		if (!is_staff(c->role) || !(c->owner || c->assignee))
			why = "the owner or someone assigned records the paperwork";
		break;
	case TA_VERIFY:
		if (c->role != ROLE_QUALITY)
			why = "repairs are verified by the quality dept";
		break;
	case TA_COMMENT:
		if (customer && m->choice)
			why = "customers cannot write internal comments";
		else if (!customer && !is_staff(c->role))
			why = "the system administrator does not take part in requests";
		break;
	default:
		why = "no such action";
		break;
	}
	return why ? kf_fail(err, KF_EFORBID, "forbidden", "action", "%s", why) : 0;
}

static int conflict(struct kf_error *err, const struct ticket_facts *t, const char *what)
{
	return kf_fail(err, KF_ECONFLICT, "conflict", "action", "%s (the request is %s)", what,
		       ticket_state_key(t->state));
}

/* Where work goes once the company handles a request: special requests wait for the leader. */
static enum ticket_state work_state(const struct ticket_facts *t)
{
	return t->kind == TK_SPECIAL_REQUEST ? TS_AWAITING_APPROVAL : TS_IN_PROGRESS;
}

int ticket_apply(const struct ticket_facts *t, const struct ticket_caller *c,
		 const struct ticket_move *m, struct ticket_outcome *out, struct kf_error *err)
{
	int rc = may(c, m, err);
	if (rc < 0)
		return rc;
	struct ticket_outcome o = { .next = t->state };
	bool staff = c->role != ROLE_CUSTOMER;
	switch (m->action) {
	case TA_TAKE:
		if (t->state == TS_CLOSED)
			return conflict(err, t, "a closed request cannot be taken");
		if (t->has_owner)
			return conflict(err, t, "the request has an owner already");
		o.take = o.first_response = true;
		break;
	case TA_HANDOVER:
	case TA_ASSIGN:
		if (t->state == TS_CLOSED)
			return conflict(err, t, "the request is closed");
		break;
	case TA_TRIAGE:
		if (t->state != TS_NEW)
			return conflict(err, t, "the request is triaged already");
		if (m->choice == TRIAGE_CANNOT_HANDLE && !m->has_text)
			return kf_fail(err, KF_EINVAL, "missing_field", "reason",
				       "a request the company cannot handle needs the written "
				       "reason the customer is sent");
		o.first_response = true;
		o.next = m->choice == TRIAGE_IN_CONTRACT	    ? work_state(t)
			 : m->choice == TRIAGE_OUT_OF_CONTRACT ? TS_AWAITING_CUSTOMER
							      : TS_CLOSED;
		break;
	case TA_CONFIRM:
	case TA_DECLINE:
		if (t->state != TS_AWAITING_CUSTOMER)
			return conflict(err, t, "no out-of-contract offer is waiting for the customer");
		if (staff && !m->on_behalf)
			return kf_fail(err, KF_EINVAL, "missing_field", "evidence",
				       "staff record the customer's written confirmation: say "
				       "where it is");
		o.next = m->action == TA_CONFIRM ? work_state(t) : TS_CLOSED;
		break;
	case TA_APPROVE:
		if (t->kind != TK_SPECIAL_REQUEST || t->state != TS_AWAITING_APPROVAL)
			return conflict(err, t, "nothing is waiting for approval");
		o.next = m->choice ? TS_IN_PROGRESS : TS_CLOSED;
		break;
	case TA_RESOLVE:
		if (t->state != TS_IN_PROGRESS)
			return conflict(err, t, "only work in progress can be resolved");
		if (!m->has_text)
			return kf_fail(err, KF_EINVAL, "missing_field", "note",
				       "the result reported to the customer");
		o.next = t->kind == TK_REPAIR ? TS_AWAITING_VERIFICATION : TS_RESOLVED;
		break;
	case TA_VERIFY:
		if (t->kind != TK_REPAIR || t->state != TS_AWAITING_VERIFICATION)
			return conflict(err, t, "no repair is waiting for verification");
		o.next = m->choice ? TS_RESOLVED : TS_IN_PROGRESS;
		break;
	case TA_RATE:
		if (t->state != TS_RESOLVED)
			return conflict(err, t, "only a resolved request is rated");
		if (staff && !m->on_behalf)
			return kf_fail(err, KF_EINVAL, "missing_field", "source",
				       "staff record the customer's rating: say how it was given");
		o.improvement_need = m->choice == SAT_UNSATISFIED;
		o.next = o.improvement_need ? TS_IN_PROGRESS : TS_CLOSED;
		break;
	case TA_COMMENT:
		break;
	case TA_PAPERWORK:
		if (t->kind != TK_SUSPENSION_CLAIM)
			return conflict(err, t, "paperwork steps belong to suspension and claim requests");
		if (t->state == TS_CLOSED)
			return conflict(err, t, "the request is closed");
		if (!m->has_text)
			return kf_fail(err, KF_EINVAL, "missing_field", "text",
				       "what the document says, or its reference");
		break;
	default:
		return kf_fail(err, KF_EINVAL, "invalid", "action", "no such action");
	}
	o.closes = o.next == TS_CLOSED && t->state != TS_CLOSED;
	*out = o;
	return 0;
}
