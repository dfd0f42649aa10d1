/* model.h - the nouns of the procedure: roles, stages, stage events, and their keys */
#ifndef KF_MODEL_H
#define KF_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/* PROCEDURE §1. ROLE_NONE is "not signed in". */
enum role {
	ROLE_NONE = 0,
	ROLE_ADMIN,
	ROLE_LEADER,
	ROLE_CM,
	ROLE_QUALITY,
	ROLE_BUSINESS,
	ROLE_PROJECT,
	ROLE_SAFETY,
	ROLE_CUSTOMER,
	ROLE__COUNT
};
#define ROLE_BIT(r) (1u << (r))
#define ROLES_STAFF                                                                        \
	(ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_LEADER) | ROLE_BIT(ROLE_CM) |                 \
	 ROLE_BIT(ROLE_QUALITY) | ROLE_BIT(ROLE_BUSINESS) | ROLE_BIT(ROLE_PROJECT) |       \
	 ROLE_BIT(ROLE_SAFETY))
#define ROLES_ANY (ROLES_STAFF | ROLE_BIT(ROLE_CUSTOMER))
/* The departments (PROCEDURE §1): the roles that have department heads (P-5.3.3). */
#define ROLES_DEPARTMENT                                                                   \
	(ROLE_BIT(ROLE_CM) | ROLE_BIT(ROLE_QUALITY) | ROLE_BIT(ROLE_BUSINESS) |             \
	 ROLE_BIT(ROLE_PROJECT) | ROLE_BIT(ROLE_SAFETY))

/* "admin" ... "customer"; NULL for ROLE_NONE. */
const char *role_key(enum role r);
/* ROLE_NONE when s names no role. */
enum role role_parse(const char *s);

/* PROCEDURE §2: stages only move forward. */
enum stage { STAGE_PRE_CONTRACT, STAGE_CONSTRUCTION, STAGE_WARRANTY, STAGE_POST_WARRANTY,
	     STAGE__COUNT };
enum stage_event { EV_CONTRACT_SIGNED, EV_COMPLETION_FILED, EV_WARRANTY_ENDED, EV__COUNT };

const char *stage_key(enum stage s);
/* -1 when s names no stage. */
int stage_parse(const char *s);
const char *stage_event_key(enum stage_event e);
int stage_event_parse(const char *s);

/*
 * What a project's visibility is for a role (PROCEDURE §1, access rule): everything, the
 * projects the user is a member of, or the projects of the user's customer.
 */
enum scope { SCOPE_ALL, SCOPE_MEMBER, SCOPE_CUSTOMER };
enum scope role_scope(enum role r);

/* The signed-in caller, as every use case sees it. user_id 0 is the system (CLI, demo). */
struct actor {
	int64_t user_id;
	enum role role;
	int64_t customer_id; /* for ROLE_CUSTOMER, else 0 */
};

#endif
