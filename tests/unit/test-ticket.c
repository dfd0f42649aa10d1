/*
 * test-ticket.c - the request state machine (src/core/ticket.c) over every (state, action,
 * role) pair, for every kind, relation to the ticket and choice; then the procedure's paths.
 *
 * The expectations below are PROCEDURE §4 written as tables, independently of the code: who
 * may make a move at all (403 otherwise), from which states (409 otherwise), what it must
 * carry (400 otherwise), and where it leads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/ticket.h"

enum rel { REL_NONE, REL_OWNER, REL_ASSIGNEE, REL__COUNT };

static bool staff(enum role r)
{
	return r != ROLE_CUSTOMER && r != ROLE_ADMIN && r != ROLE_NONE;
}

/* §4 who: P-5.3.2 ties triage, hand-over and assignment to the owner. */
static bool who_may(enum ticket_action a, enum role r, enum rel rel, int choice)
{
	switch (a) {
	case TA_TAKE: return staff(r);
	case TA_HANDOVER:
	case TA_ASSIGN:
	case TA_TRIAGE: return staff(r) && rel == REL_OWNER;
	case TA_CONFIRM:
	case TA_DECLINE:
	case TA_RATE: return r == ROLE_CUSTOMER || staff(r);
	case TA_APPROVE: return r == ROLE_LEADER;
	case TA_RESOLVE:
	case TA_PAPERWORK: return staff(r) && rel != REL_NONE;
	case TA_VERIFY: return r == ROLE_QUALITY;
	case TA_COMMENT: return (r == ROLE_CUSTOMER && !choice) || staff(r);
	default: return false;
	}
}

/* §4 when: the states (and kinds) a move starts from. */
static bool state_allows(enum ticket_action a, enum ticket_state s, enum ticket_kind k,
			 bool has_owner)
{
	switch (a) {
	case TA_TAKE: return s != TS_CLOSED && !has_owner;
	case TA_HANDOVER:
	case TA_ASSIGN: return s != TS_CLOSED;
	case TA_TRIAGE: return s == TS_NEW;
	case TA_CONFIRM:
	case TA_DECLINE: return s == TS_AWAITING_CUSTOMER;
	case TA_APPROVE: return s == TS_AWAITING_APPROVAL && k == TK_SPECIAL_REQUEST;
	case TA_RESOLVE: return s == TS_IN_PROGRESS;
	case TA_VERIFY: return s == TS_AWAITING_VERIFICATION && k == TK_REPAIR;
	case TA_RATE: return s == TS_RESOLVED;
	case TA_COMMENT: return true;
	case TA_PAPERWORK: return s != TS_CLOSED && k == TK_SUSPENSION_CLAIM; /* P-5.2.2f */
	default: return false;
	}
}

/* §4 what a move must carry; NULL when it is complete. */
static const char *missing(enum ticket_action a, enum role r, int choice, bool text, bool behalf)
{
	if (a == TA_TRIAGE && choice == TRIAGE_CANNOT_HANDLE && !text)
		return "reason";
	if ((a == TA_CONFIRM || a == TA_DECLINE) && r != ROLE_CUSTOMER && !behalf)
		return "evidence";
	if (a == TA_RATE && r != ROLE_CUSTOMER && !behalf)
		return "source";
	if (a == TA_RESOLVE && !text)
		return "note";
	if (a == TA_PAPERWORK && !text)
		return "text";
	return NULL;
}

/* §4 where it leads. */
static enum ticket_state leads_to(enum ticket_action a, enum ticket_state s, enum ticket_kind k,
				  int choice)
{
	enum ticket_state work = k == TK_SPECIAL_REQUEST ? TS_AWAITING_APPROVAL : TS_IN_PROGRESS;
	switch (a) {
	case TA_TRIAGE:
		return choice == TRIAGE_IN_CONTRACT	   ? work
		       : choice == TRIAGE_OUT_OF_CONTRACT ? TS_AWAITING_CUSTOMER
							   : TS_CLOSED;
	case TA_CONFIRM: return work;
	case TA_DECLINE: return TS_CLOSED;
	case TA_APPROVE: return choice ? TS_IN_PROGRESS : TS_CLOSED;
	case TA_RESOLVE: return k == TK_REPAIR ? TS_AWAITING_VERIFICATION : TS_RESOLVED;
	case TA_VERIFY: return choice ? TS_RESOLVED : TS_IN_PROGRESS;
	case TA_RATE: return choice == SAT_UNSATISFIED ? TS_IN_PROGRESS : TS_CLOSED;
	default: return s;
	}
}

static int choices(enum ticket_action a)
{
	switch (a) {
	case TA_TRIAGE: return TRIAGE__COUNT;
	case TA_RATE: return SAT__COUNT;
	case TA_PAPERWORK: return PAPER__COUNT;
	case TA_APPROVE:
	case TA_VERIFY:
	case TA_COMMENT: return 2;
	default: return 1;
	}
}

static void test_every_pair(void **state)
{
	(void)state;
	long n = 0, allowed = 0;
	for (int s = 0; s < TS__COUNT; s++)
	for (int k = 0; k < TK__COUNT; k++)
	for (int owned = 0; owned < 2; owned++)
	for (int a = 0; a < TA__COUNT; a++)
	for (int r = ROLE_ADMIN; r < ROLE__COUNT; r++)
	for (int rel = 0; rel < REL__COUNT; rel++)
	for (int ch = 0; ch < choices(a); ch++)
	for (int text = 0; text < 2; text++)
	for (int behalf = 0; behalf < 2; behalf++) {
		/* A caller can own or be assigned only when the ticket has an owner. */
		if (!owned && rel != REL_NONE)
			continue;
		struct ticket_facts t = { (enum ticket_state)s, (enum ticket_kind)k, owned };
		struct ticket_caller c = { (enum role)r, rel == REL_OWNER, rel == REL_ASSIGNEE };
		struct ticket_move m = { (enum ticket_action)a, ch, text, behalf };
		struct ticket_outcome o;
		struct kf_error err = { 0 };
		memset(&o, 0x5a, sizeof(o));
		struct ticket_outcome before = o;
		int rc = ticket_apply(&t, &c, &m, &o, &err);
		const char *miss = missing(m.action, c.role, ch, text, behalf);
		char where[160];
		snprintf(where, sizeof(where), "%s on %s %s (%s), by %s rel %d, choice %d text %d behalf %d",
			 ticket_action_key(m.action), ticket_state_key(t.state),
			 ticket_kind_key(t.kind), owned ? "owned" : "unowned", role_key(c.role), rel,
			 ch, text, behalf);
		n++;
		if (!who_may(m.action, c.role, rel, ch)) {
			if (rc != KF_EFORBID)
				fail_msg("%s: want 403, got %d", where, rc);
		} else if (!state_allows(m.action, t.state, t.kind, owned)) {
			if (rc != KF_ECONFLICT)
				fail_msg("%s: want 409, got %d", where, rc);
		} else if (miss) {
			if (rc != KF_EINVAL || strcmp(err.field, miss))
				fail_msg("%s: want 400 on %s, got %d on %s", where, miss, rc, err.field);
		} else {
			if (rc != 0)
				fail_msg("%s: want allowed, got %d (%s)", where, rc, err.message);
			enum ticket_state next = leads_to(m.action, t.state, t.kind, ch);
			if (o.next != next)
				fail_msg("%s: leads to %s, want %s", where, ticket_state_key(o.next),
					 ticket_state_key(next));
			assert_int_equal(o.take, m.action == TA_TAKE);
			assert_int_equal(o.first_response, m.action == TA_TAKE || m.action == TA_TRIAGE);
			assert_int_equal(o.improvement_need, m.action == TA_RATE && ch == SAT_UNSATISFIED);
			assert_int_equal(o.closes, next == TS_CLOSED && t.state != TS_CLOSED);
			allowed++;
			continue;
		}
		/* A refusal says why and what, and leaves the outcome untouched. */
		assert_true(err.message[0] != '\0');
		assert_memory_equal(&o, &before, sizeof(o));
		if (rc != KF_EINVAL)
			assert_string_equal(err.field, "action");
	}
	assert_true(n > 50000);
	assert_true(allowed > 1000);
}

/* One request walked through a path, each step by the person the procedure names. */
struct step {
	enum ticket_action a;
	enum role r;
	enum rel rel;
	int choice;
	enum ticket_state want;
};

static void walk(enum ticket_kind k, const struct step *steps, size_t n)
{
	struct ticket_facts t = { TS_NEW, k, false };
	for (size_t i = 0; i < n; i++) {
		struct ticket_caller c = { steps[i].r, steps[i].rel == REL_OWNER,
					   steps[i].rel == REL_ASSIGNEE };
		struct ticket_move m = { steps[i].a, steps[i].choice, true,
					 steps[i].r != ROLE_CUSTOMER };
		struct ticket_outcome o;
		struct kf_error err = { 0 };
		if (ticket_apply(&t, &c, &m, &o, &err) < 0)
			fail_msg("step %zu (%s): %s", i, ticket_action_key(m.action), err.message);
		assert_string_equal(ticket_state_key(o.next), ticket_state_key(steps[i].want));
		t.state = o.next;
		t.has_owner |= o.take;
	}
}

/* A warranty repair: customer's photo, taken, in contract, repaired, verified, rated. */
static void test_repair_path(void **state)
{
	(void)state;
	const struct step s[] = {
		{ TA_TAKE, ROLE_PROJECT, REL_NONE, 0, TS_NEW },
		{ TA_TRIAGE, ROLE_PROJECT, REL_OWNER, TRIAGE_IN_CONTRACT, TS_IN_PROGRESS },
		{ TA_RESOLVE, ROLE_PROJECT, REL_ASSIGNEE, 0, TS_AWAITING_VERIFICATION },
		{ TA_VERIFY, ROLE_QUALITY, REL_NONE, 0, TS_IN_PROGRESS }, /* fail: back to work */
		{ TA_RESOLVE, ROLE_PROJECT, REL_OWNER, 0, TS_AWAITING_VERIFICATION },
		{ TA_VERIFY, ROLE_QUALITY, REL_NONE, 1, TS_RESOLVED },
		{ TA_RATE, ROLE_CUSTOMER, REL_NONE, SAT_UNSATISFIED, TS_IN_PROGRESS }, /* reopened */
		{ TA_RESOLVE, ROLE_PROJECT, REL_OWNER, 0, TS_AWAITING_VERIFICATION },
		{ TA_VERIFY, ROLE_QUALITY, REL_NONE, 1, TS_RESOLVED },
		{ TA_RATE, ROLE_CM, REL_NONE, SAT_SATISFIED, TS_CLOSED }, /* said on a return visit */
	};
	walk(TK_REPAIR, s, sizeof(s) / sizeof(s[0]));
}

/* Out of contract: the customer confirms in writing, or declines. */
static void test_out_of_contract(void **state)
{
	(void)state;
	const struct step yes[] = {
		{ TA_TAKE, ROLE_BUSINESS, REL_NONE, 0, TS_NEW },
		{ TA_TRIAGE, ROLE_BUSINESS, REL_OWNER, TRIAGE_OUT_OF_CONTRACT, TS_AWAITING_CUSTOMER },
		{ TA_CONFIRM, ROLE_CUSTOMER, REL_NONE, 0, TS_IN_PROGRESS },
		{ TA_RESOLVE, ROLE_BUSINESS, REL_OWNER, 0, TS_RESOLVED },
		{ TA_RATE, ROLE_CUSTOMER, REL_NONE, SAT_AVERAGE, TS_CLOSED },
	};
	walk(TK_INQUIRY, yes, sizeof(yes) / sizeof(yes[0]));
	const struct step no[] = {
		{ TA_TAKE, ROLE_CM, REL_NONE, 0, TS_NEW },
		{ TA_TRIAGE, ROLE_CM, REL_OWNER, TRIAGE_OUT_OF_CONTRACT, TS_AWAITING_CUSTOMER },
		{ TA_DECLINE, ROLE_CM, REL_OWNER, 0, TS_CLOSED }, /* the customer's letter, on file */
	};
	walk(TK_COMPLAINT, no, sizeof(no) / sizeof(no[0]));
	const struct step cannot[] = {
		{ TA_TAKE, ROLE_CM, REL_NONE, 0, TS_NEW },
		{ TA_TRIAGE, ROLE_CM, REL_OWNER, TRIAGE_CANNOT_HANDLE, TS_CLOSED },
	};
	walk(TK_COMPLAINT, cannot, sizeof(cannot) / sizeof(cannot[0]));
}

/* A special request waits for the leader before any work, in or out of contract. */
static void test_special_request(void **state)
{
	(void)state;
	const struct step approved[] = {
		{ TA_TAKE, ROLE_PROJECT, REL_NONE, 0, TS_NEW },
		{ TA_TRIAGE, ROLE_PROJECT, REL_OWNER, TRIAGE_IN_CONTRACT, TS_AWAITING_APPROVAL },
		{ TA_APPROVE, ROLE_LEADER, REL_NONE, 1, TS_IN_PROGRESS },
		{ TA_RESOLVE, ROLE_PROJECT, REL_OWNER, 0, TS_RESOLVED },
	};
	walk(TK_SPECIAL_REQUEST, approved, sizeof(approved) / sizeof(approved[0]));
	const struct step rejected[] = {
		{ TA_TAKE, ROLE_PROJECT, REL_NONE, 0, TS_NEW },
		{ TA_TRIAGE, ROLE_PROJECT, REL_OWNER, TRIAGE_OUT_OF_CONTRACT, TS_AWAITING_CUSTOMER },
		{ TA_CONFIRM, ROLE_CUSTOMER, REL_NONE, 0, TS_AWAITING_APPROVAL },
		{ TA_APPROVE, ROLE_LEADER, REL_NONE, 0, TS_CLOSED },
	};
	walk(TK_SPECIAL_REQUEST, rejected, sizeof(rejected) / sizeof(rejected[0]));
	/* No work before approval: resolving is refused while it waits. */
	struct ticket_facts t = { TS_AWAITING_APPROVAL, TK_SPECIAL_REQUEST, true };
	struct ticket_caller owner = { ROLE_PROJECT, true, false };
	struct ticket_move resolve = { TA_RESOLVE, 0, true, false };
	struct ticket_outcome o;
	struct kf_error err = { 0 };
	assert_int_equal(ticket_apply(&t, &owner, &resolve, &o, &err), KF_ECONFLICT);
}

static void test_keys(void **state)
{
	(void)state;
	for (int k = 0; k < TK__COUNT; k++)
		assert_int_equal(ticket_kind_parse(ticket_kind_key((enum ticket_kind)k)), k);
	for (int s = 0; s < TS__COUNT; s++)
		assert_int_equal(ticket_state_parse(ticket_state_key((enum ticket_state)s)), s);
	for (int a = 0; a < TA__COUNT; a++)
		assert_int_equal(ticket_action_parse(ticket_action_key((enum ticket_action)a)), a);
	assert_int_equal(ticket_kind_parse("repair"), TK_REPAIR);
	assert_int_equal(ticket_kind_parse("Repair"), -1);
	assert_int_equal(ticket_action_parse(NULL), -1);
	assert_int_equal(triage_scope_parse("cannot_handle"), TRIAGE_CANNOT_HANDLE);
	assert_int_equal(satisfaction_parse("unsatisfied"), SAT_UNSATISFIED);
	for (int p = 0; p < PAPER__COUNT; p++)
		assert_int_equal(paper_step_parse(paper_step_key((enum paper_step)p)), p);
	assert_int_equal(paper_step_parse("agreement"), PAPER_AGREEMENT);
	assert_int_equal(paper_step_parse("invoice"), -1);
	assert_null(ticket_state_key(TS__COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair),	cmocka_unit_test(test_repair_path),
		cmocka_unit_test(test_out_of_contract), cmocka_unit_test(test_special_request),
		cmocka_unit_test(test_keys),
	};
	return cmocka_run_group_tests_name("ticket", tests, NULL, NULL);
}
