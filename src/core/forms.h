/* forms.h - the default score sheets 6.1, 6.2 and 6.3 (PROCEDURE §7), as shipped */
#ifndef KF_FORMS_H
#define KF_FORMS_H

#include <stddef.h>

#include "scoring.h"

struct form_item {
	const char *key;      /* stable, ASCII: what an evaluation names the item by */
	const char *title_zh;
	const char *title_en;
	int points;           /* whole standard points; a sheet's add up to 100 */
};

struct form_template {
	enum phase phase;
	const char *record;   /* "6.1", "6.2", "6.3" */
	const char *title_zh;
	const char *title_en;
	const struct form_item *items;
	size_t nitems;
};

/*
 * The sheet of phase p as kefu ships it. The seed names the sheets but not their lines, so
 * the lines follow the service content of §3 for each stage (5.2.1, 5.2.2, 5.2.3), 8-15 lines
 * each, the way contractors' customer surveys word them. An admin publishes new versions.
 */
const struct form_template *forms_default(enum phase p);

/*
 * 0 when the items make a usable sheet: 1-30 items, unique non-empty keys, 1-100 points each
 * (KF_EINVAL otherwise, naming the item: "items[3]"), adding up to 100 (KF_ERULE
 * "points_total" on the field "items" otherwise).
 */
int forms_check(const struct form_item *items, size_t n, struct kf_error *err);

#endif
