/* stage.c - the project stage machine of PROCEDURE §2 */
#include "stage.h"

/* Event e is allowed exactly in stage from[e] and leads to stage from[e] + 1. */
static const enum stage from[EV__COUNT] = {
	[EV_CONTRACT_SIGNED] = STAGE_PRE_CONTRACT,
	[EV_COMPLETION_FILED] = STAGE_CONSTRUCTION,
	[EV_WARRANTY_ENDED] = STAGE_WARRANTY,
};

int stage_next_event(enum stage s)
{
	for (int e = 0; e < EV__COUNT; e++)
		if (from[e] == s)
			return e;
	return -1;
}

int stage_apply(enum stage cur, enum stage_event ev, int64_t ev_day, bool has_last,
		int64_t last_day, enum stage *next, struct kf_error *err)
{
	if ((unsigned)ev >= EV__COUNT || (unsigned)cur >= STAGE__COUNT)
		return kf_fail(err, KF_EINVAL, "invalid", "type", "unknown event");
	if (from[ev] != cur) {
		int want = stage_next_event(cur);
		if (want < 0)
			return kf_fail(err, KF_ERULE, "stage_order", "type",
				       "the project is in its last stage (%s); no event follows",
				       stage_key(cur));
		return kf_fail(err, KF_ERULE, "stage_order", "type",
			       "a project in stage %s takes %s next, not %s", stage_key(cur),
			       stage_event_key((enum stage_event)want), stage_event_key(ev));
	}
	if (has_last && ev_day < last_day)
		return kf_fail(err, KF_ERULE, "date_order", "date",
			       "the date is before the previous stage event");
	*next = (enum stage)(cur + 1);
	return 0;
}
