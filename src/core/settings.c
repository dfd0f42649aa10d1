/* settings.c - the company's settings: the procedure's Readings and limits, one table row each */
#include "settings.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct settings settings_defaults = {
	.scoring = SCORING_DEFAULTS,
	.response_window_hours = 24,
	.attachment_max_mib = 10,
};

/* A whole number, or a score written with at most one decimal ("69.5") kept in tenths. */
enum setting_type { SET_INT, SET_SCORE };

static const struct setting {
	const char *name;
	enum setting_type type;
	size_t offset; /* of an int in struct settings */
	int min, max, step; /* in the stored unit (tenths for scores) */
	const char *help;
} table[] = {
#define AT(f) offsetof(struct settings, f)
	{ "scoring.weight.pre", SET_INT, AT(scoring.weight_pct[PHASE_PRE]), 0, 100, 1,
	  "weight in % of the pre-contract sheet 6.1 in the project total (P-5.5.2)" },
	{ "scoring.weight.process", SET_INT, AT(scoring.weight_pct[PHASE_PROCESS]), 0, 100, 1,
	  "weight in % of the in-construction sheet 6.2; the three add up to 100" },
	{ "scoring.weight.post", SET_INT, AT(scoring.weight_pct[PHASE_POST]), 0, 100, 1,
	  "weight in % of the post-completion sheet 6.3" },
	{ "scoring.rating.satisfied", SET_INT, AT(scoring.pct[RATING_SATISFIED]), 0, 100, 10,
	  "% of an item's points scored when rated satisfied (P-5.5.3)" },
	{ "scoring.rating.fairly_satisfied", SET_INT, AT(scoring.pct[RATING_FAIRLY]), 0, 100, 10,
	  "% scored when fairly satisfied; whole tens keep item scores in tenths" },
	{ "scoring.rating.average", SET_INT, AT(scoring.pct[RATING_AVERAGE]), 0, 100, 10,
	  "% scored when average" },
	{ "scoring.rating.acceptable", SET_INT, AT(scoring.pct[RATING_ACCEPTABLE]), 0, 100, 10,
	  "% scored when acceptable; a worse rating never scores more" },
	{ "scoring.penalty.min", SET_INT, AT(scoring.penalty_min), -100, -1, 1,
	  "lowest score of an item rated serious, in points" },
	{ "scoring.penalty.max", SET_INT, AT(scoring.penalty_max), -100, -1, 1,
	  "highest score of an item rated serious, in points" },
	{ "scoring.deduction.min", SET_INT, AT(scoring.deduction_min), 1, 100, 1,
	  "smallest summary deduction of a sheet with a serious item, in points" },
	{ "scoring.deduction.max", SET_INT, AT(scoring.deduction_max), 1, 100, 1,
	  "largest summary deduction of a sheet with a serious item, in points" },
	{ "grade.qualified_from", SET_SCORE, AT(scoring.qualified_from), 1, 1000, 1,
	  "lowest total graded qualified (Reading of P-5.5.1: 70 is qualified)" },
	{ "grade.excellent_from", SET_SCORE, AT(scoring.excellent_from), 1, 1000, 1,
	  "lowest total graded excellent (90 is excellent)" },
	{ "satisfied.total_from", SET_SCORE, AT(scoring.satisfied_total_from), 1, 1000, 1,
	  "lowest total of a customer-service-satisfied project (P-5.5.2)" },
	{ "satisfied.sheet_from", SET_SCORE, AT(scoring.satisfied_sheet_from), 1, 1000, 1,
	  "lowest score of each of its three sheets" },
	{ "tickets.response_window_hours", SET_INT, AT(response_window_hours), 1, 720, 1,
	  "hours for the first response to a complaint or a warranty repair (P-5.3.3: 24)" },
	{ "attachments.max_mib", SET_INT, AT(attachment_max_mib), 1, 100, 1,
	  "largest photo or document sent with a ticket, in MiB" },
#undef AT
};

static int *field(struct settings *s, const struct setting *t)
{
	return (int *)(void *)((char *)s + t->offset);
}

static int field_value(const struct settings *s, const struct setting *t)
{
	return *(const int *)(const void *)((const char *)s + t->offset);
}

static void format_value(const struct setting *t, int v, char out[24])
{
	if (t->type == SET_SCORE)
		scoring_format(v, out);
	else
		snprintf(out, 24, "%d", v);
}

/* "-12" or, for scores, "69" / "69.5" (tenths). */
static bool parse_value(const struct setting *t, const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || errno || v < -100000 || v > 100000 ||
	    (s[0] != '-' && !(s[0] >= '0' && s[0] <= '9')))
		return false;
	if (t->type == SET_SCORE) {
		v *= 10;
		if (*end == '.' && end[1] >= '0' && end[1] <= '9' && !end[2]) {
			v += s[0] == '-' ? -(end[1] - '0') : end[1] - '0';
			end += 2;
		}
	}
	if (*end)
		return false;
	*out = (int)v;
	return true;
}

/* Rules between settings: each one's bounds are not enough. */
static int check_rules(const struct scoring_rules *r, struct kf_error *err)
{
	if (r->weight_pct[PHASE_PRE] + r->weight_pct[PHASE_PROCESS] + r->weight_pct[PHASE_POST] !=
	    100)
		return kf_fail(err, KF_EINVAL, "invalid", "scoring.weight",
			       "settings: scoring.weight.pre, .process and .post must add up to 100");
	for (int i = RATING_SATISFIED; i < RATING_ACCEPTABLE; i++)
		if (r->pct[i] < r->pct[i + 1])
			return kf_fail(err, KF_EINVAL, "invalid", "scoring.rating",
				       "settings: scoring.rating.%s scores less than .%s",
				       rating_key((enum rating)i), rating_key((enum rating)(i + 1)));
	if (r->penalty_min > r->penalty_max)
		return kf_fail(err, KF_EINVAL, "invalid", "scoring.penalty",
			       "settings: scoring.penalty.min is above scoring.penalty.max");
	if (r->deduction_min > r->deduction_max)
		return kf_fail(err, KF_EINVAL, "invalid", "scoring.deduction",
			       "settings: scoring.deduction.min is above scoring.deduction.max");
	if (r->qualified_from >= r->excellent_from)
		return kf_fail(err, KF_EINVAL, "invalid", "grade",
			       "settings: grade.qualified_from must be below grade.excellent_from");
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int settings_parse(const char *text, size_t len, struct settings *out, struct kf_error *err)
{
	struct settings s = settings_defaults;
	bool seen[ARRAY_SIZE(table)] = { false };
	char *copy = xstrndup(text, len);
	char *line = copy, *next;
	int rc = 0;
	if (strlen(copy) != len)
		rc = kf_fail(err, KF_EINVAL, "invalid", NULL, "settings: a NUL byte in the file");
	for (int no = 1; rc == 0 && line; line = next, no++) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *l = trim(line);
		if (!*l)
			continue;
		char *eq = strchr(l, '=');
		if (!eq) {
			rc = kf_fail(err, KF_EINVAL, "invalid", NULL,
				     "settings line %d: not \"name = value\"", no);
			break;
		}
		*eq = '\0';
		char *name = trim(l), *value = trim(eq + 1);
		size_t i = 0;
		while (i < ARRAY_SIZE(table) && strcmp(table[i].name, name))
			i++;
		if (i == ARRAY_SIZE(table)) {
			rc = kf_fail(err, KF_EINVAL, "invalid", NULL,
				     "settings line %d: no setting '%.40s'", no, name);
			break;
		}
		const struct setting *t = &table[i];
		int v;
		if (seen[i])
			rc = kf_fail(err, KF_EINVAL, "invalid", t->name,
				     "settings line %d: %s is set twice", no, t->name);
		else if (!parse_value(t, value, &v) || v < t->min || v > t->max || v % t->step) {
			char lo[24], hi[24];
			format_value(t, t->min, lo);
			format_value(t, t->max, hi);
			rc = kf_fail(err, KF_EINVAL, "invalid", t->name,
				     "settings line %d: %s wants %s from %s to %s%s, not '%.20s'", no,
				     t->name, t->type == SET_SCORE ? "a score" : "a whole number",
				     lo, hi, t->step > 1 ? " in steps of 10" : "", value);
		} else {
			seen[i] = true;
			*field(&s, t) = v;
		}
	}
	free(copy);
	if (rc == 0)
		rc = check_rules(&s.scoring, err);
	if (rc == 0)
		*out = s;
	return rc;
}

void settings_describe(const struct settings *s, struct buf *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		const struct setting *t = &table[i];
		char v[24], def[24], lo[24], hi[24];
		format_value(t, field_value(s, t), v);
		format_value(t, field_value(&settings_defaults, t), def);
		format_value(t, t->min, lo);
		format_value(t, t->max, hi);
		buf_addf(out, "# %s\n# default %s, from %s to %s\n%s = %s\n\n", t->help, def, lo, hi,
			 t->name, v);
	}
}
