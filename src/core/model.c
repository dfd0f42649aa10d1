/* model.c - keys of roles, stages and stage events */
#include "model.h"

#include <string.h>

#include "../lib/util.h"

static const char *const role_keys[ROLE__COUNT] = {
	[ROLE_ADMIN] = "admin",       [ROLE_LEADER] = "leader",     [ROLE_CM] = "cm",
	[ROLE_QUALITY] = "quality",   [ROLE_BUSINESS] = "business", [ROLE_PROJECT] = "project",
	[ROLE_SAFETY] = "safety",     [ROLE_CUSTOMER] = "customer",
};

static const char *const stage_keys[STAGE__COUNT] = { "pre_contract", "construction", "warranty",
						      "post_warranty" };

static const char *const event_keys[EV__COUNT] = { "contract_signed", "completion_filed",
						   "warranty_ended" };

const char *role_key(enum role r)
{
	return r > ROLE_NONE && r < ROLE__COUNT ? role_keys[r] : NULL;
}

enum role role_parse(const char *s)
{
	int r = key_index(role_keys, ROLE__COUNT, s);
	return r < 0 ? ROLE_NONE : (enum role)r;
}

const char *stage_key(enum stage s)
{
	return (unsigned)s < STAGE__COUNT ? stage_keys[s] : NULL;
}

int stage_parse(const char *s)
{
	return key_index(stage_keys, STAGE__COUNT, s);
}

const char *stage_event_key(enum stage_event e)
{
	return (unsigned)e < EV__COUNT ? event_keys[e] : NULL;
}

int stage_event_parse(const char *s)
{
	return key_index(event_keys, EV__COUNT, s);
}

enum scope role_scope(enum role r)
{
	switch (r) {
	case ROLE_PROJECT:
		return SCOPE_MEMBER;
	case ROLE_CUSTOMER:
		return SCOPE_CUSTOMER;
	default:
		return SCOPE_ALL;
	}
}
