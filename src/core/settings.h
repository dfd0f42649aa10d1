/* settings.h - the company's settings: the procedure's Readings and limits, one table row each */
#ifndef KF_SETTINGS_H
#define KF_SETTINGS_H

#include <stddef.h>

#include "../lib/buf.h"
#include "../lib/util.h"
#include "scoring.h"

/*
 * Every rule PROCEDURE marks as a **Reading** is a setting whose default is that reading,
 * so a company with another reading changes a line in its settings file, not the code.
 */
struct settings {
	struct scoring_rules scoring;
	int response_window_hours; /* P-5.3.3: first response to complaints, warranty repairs */
	int attachment_max_mib;    /* largest file sent with a ticket */
};

extern const struct settings settings_defaults;

/*
 * Read a settings file's text over the defaults into out: "name = value" lines, "#"
 * comments, blank lines. Unknown names, repeated names, values out of bounds and rules
 * that contradict each other (weights not adding up to 100, ...) are errors; err's
 * message says the line and the setting. out is written only on success.
 */
int settings_parse(const char *text, size_t len, struct settings *out, struct kf_error *err);

/* Every setting with its value in s, its default, bounds and help, as a settings file. */
void settings_describe(const struct settings *s, struct buf *out);

#endif
