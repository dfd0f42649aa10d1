/* policy.h - which roles may do what (PROCEDURE §1); the route table refers to these */
#ifndef KF_POLICY_H
#define KF_POLICY_H

#include "model.h"

/* Only the administrator manages users, settings and templates. */
#define MAY_MANAGE_USERS ROLE_BIT(ROLE_ADMIN)
#define MAY_EDIT_FORMS ROLE_BIT(ROLE_ADMIN)
/* Official evaluations are cm dept's, monthly self-checks the project team's (P-5.4). */
#define MAY_EVALUATE (ROLE_BIT(ROLE_CM) | ROLE_BIT(ROLE_PROJECT))
/* "business and cm create customers and projects"; the administrator may as well. */
#define MAY_WRITE_MASTER (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_BUSINESS) | ROLE_BIT(ROLE_CM))
/*
 * Stage events: the business dept records the contract, the project team the completion
 * filing, cm dept owns the procedure; project staff only on their own projects (scope).
 */
#define MAY_RECORD_STAGE                                                                    \
	(ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_CM) | ROLE_BIT(ROLE_BUSINESS) |               \
	 ROLE_BIT(ROLE_PROJECT))
/* The project manager named on a project is a user of this role. */
#define MAY_MANAGE_PROJECT ROLE_BIT(ROLE_PROJECT)

/* The supervising leader decides penalty cases (P-5.5.4, P-5.6). */
#define MAY_DECIDE_CASES ROLE_BIT(ROLE_LEADER)
/* cm dept owns the procedure and closes the improvement reviews that checks open (P-5.4). */
#define MAY_CLOSE_REVIEWS ROLE_BIT(ROLE_CM)

/* cm dept opens corrective actions for common defects and their acceptance (P-5.2.3h). */
#define MAY_CORRECT ROLE_BIT(ROLE_CM)

#endif
