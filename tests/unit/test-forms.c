/* test-forms.c - the shipped score sheets 6.1-6.3 are usable, and forms_check refuses bad ones */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/forms.h"
#include "lib/text.h"

static void test_defaults_are_usable(void **state)
{
	(void)state;
	static const char *const records[] = { "6.1", "6.2", "6.3" };
	for (int p = 0; p < PHASE__COUNT; p++) {
		const struct form_template *t = forms_default((enum phase)p);
		assert_non_null(t);
		assert_int_equal(t->phase, p);
		assert_string_equal(t->record, records[p]);
		/* A customer answers it in ten minutes: 8 to 15 lines (PROCEDURE §7). */
		assert_in_range(t->nitems, 8, 15);
		struct kf_error err = { 0 };
		assert_int_equal(forms_check(t->items, t->nitems, &err), 0);
		for (size_t i = 0; i < t->nitems; i++) {
			const struct form_item *it = &t->items[i];
			assert_true(utf8_valid(it->title_zh, strlen(it->title_zh)));
			assert_true(utf8_chars(it->title_zh) >= 2);
			assert_true(strlen(it->title_en) >= 5);
			for (const char *c = it->key; *c; c++)
				assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
		}
	}
	assert_null(forms_default(PHASE__COUNT));
}

static void test_check_refuses(void **state)
{
	(void)state;
	struct kf_error err = { 0 };
	struct form_item items[3] = { { "a", "甲", "A", 50 }, { "b", "乙", "B", 40 },
				      { "c", "丙", "C", 10 } };
	assert_int_equal(forms_check(items, 3, &err), 0);
	items[2].points = 11;
	assert_int_equal(forms_check(items, 3, &err), KF_ERULE);
	assert_string_equal(err.field, "items");
	assert_string_equal(err.code, "points_total");
	assert_non_null(strstr(err.message, "101"));
	items[2].points = 10;
	items[2].key = "a";
	assert_int_equal(forms_check(items, 3, &err), KF_EINVAL);
	items[2].key = "";
	assert_int_equal(forms_check(items, 3, &err), KF_EINVAL);
	items[2].key = "c";
	items[1].points = 0, items[2].points = 50;
	assert_int_equal(forms_check(items, 3, &err), KF_EINVAL);
	assert_int_equal(forms_check(items, 0, &err), KF_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_usable),
		cmocka_unit_test(test_check_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
