/*
 * fuzz-settings.c - the settings file reader (src/core/settings.c) on arbitrary bytes: it
 * either refuses with a message or gives settings that obey every bound and rule, and
 * describing them gives a file that reads back to the same settings.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/settings.h"

static void check_rules(const struct settings *s)
{
	const struct scoring_rules *r = &s->scoring;
	assert(r->weight_pct[0] + r->weight_pct[1] + r->weight_pct[2] == 100);
	for (int i = 0; i < RATING_ACCEPTABLE; i++)
		assert(r->pct[i] >= r->pct[i + 1] && r->pct[i] % 10 == 0);
	assert(r->penalty_min <= r->penalty_max && r->penalty_max < 0);
	assert(r->deduction_min <= r->deduction_max && r->deduction_min > 0);
	assert(r->qualified_from < r->excellent_from);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings s, again;
	struct kf_error err = { 0 };
	if (settings_parse((const char *)data, size, &s, &err) < 0) {
		assert(err.message[0]);
		return 0;
	}
	check_rules(&s);
	struct buf b = BUF_INIT;
	settings_describe(&s, &b);
	struct kf_error err2 = { 0 };
	assert(settings_parse(b.s, b.len, &again, &err2) == 0);
	assert(!memcmp(&s, &again, sizeof(s)));
	buf_release(&b);
	return 0;
}
