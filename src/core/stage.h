/* stage.h - PROCEDURE §2: which dated event moves a project from which stage to which */
#ifndef KF_STAGE_H
#define KF_STAGE_H

#include "../lib/util.h"
#include "model.h"

/*
 * Apply event ev, dated ev_day (days since epoch), to a project in stage cur whose last
 * event was dated last_day (or no event yet when has_last is false). On success sets *next
 * and returns 0. Skipping a stage, repeating or going back is KF_ERULE "stage_order"; a date
 * before the previous event is KF_ERULE on field "date".
 */
int stage_apply(enum stage cur, enum stage_event ev, int64_t ev_day, bool has_last,
		int64_t last_day, enum stage *next, struct kf_error *err);

/* The event that leaves stage s, or -1 in the last stage. */
int stage_next_event(enum stage s);

#endif
