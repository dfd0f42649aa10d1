/* test-fields.c - formats of usernames, project codes, e-mail, phone and passwords */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/fields.h"

static void test_username(void **state)
{
	(void)state;
	assert_true(field_username_ok("admin"));
	assert_true(field_username_ok("zheng.kai"));
	assert_true(field_username_ok("wu_lei-2"));
	assert_true(field_username_ok("ab"));
	assert_true(field_username_ok("0a"));
	assert_true(field_username_ok("a."));
	assert_true(field_username_ok("abcdefghijklmnopqrstuvwxyz012345")); /* 32 */
	assert_false(field_username_ok("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
	assert_false(field_username_ok(""));
	assert_false(field_username_ok("a"));
	assert_false(field_username_ok("Admin"));
	assert_false(field_username_ok("adMin"));
	assert_false(field_username_ok(".admin"));
	assert_false(field_username_ok("_admin"));
	assert_false(field_username_ok("-admin"));
	assert_false(field_username_ok("ad min"));
	assert_false(field_username_ok("admin@x"));
	assert_false(field_username_ok("admin/"));
	assert_false(field_username_ok("张伟"));
	assert_false(field_username_ok("ab\n"));
}

static void test_code(void **state)
{
	(void)state;
	assert_true(field_code_ok("BJ-2026-001"));
	assert_true(field_code_ok("a"));
	assert_true(field_code_ok("_"));
	assert_true(field_code_ok("x_Y-9"));
	assert_true(field_code_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")); /* 32 */
	assert_false(field_code_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456")); /* 33 */
	assert_false(field_code_ok(""));
	assert_false(field_code_ok("BJ 2026"));
	assert_false(field_code_ok("BJ.2026"));
	assert_false(field_code_ok("BJ/2026"));
	assert_false(field_code_ok("北京-001"));
	assert_false(field_code_ok("BJ%"));
}

static void test_email(void **state)
{
	(void)state;
	assert_true(field_email_ok("zhangwei@cyedu.example.cn"));
	assert_true(field_email_ok("a@b.c"));
	assert_true(field_email_ok("first.last+tag@sub.example.com"));
	assert_false(field_email_ok(""));
	assert_false(field_email_ok("plain"));
	assert_false(field_email_ok("@example.com"));
	assert_false(field_email_ok("user@"));
	assert_false(field_email_ok("user@localhost"));
	assert_false(field_email_ok("user@.com"));
	assert_false(field_email_ok("user@example."));
	assert_false(field_email_ok("a@b@example.com"));
	assert_false(field_email_ok("user name@example.com"));
	assert_false(field_email_ok("user@exa mple.com"));
	assert_false(field_email_ok("user@example.com\n"));
	assert_false(field_email_ok("<user@example.com>"));
	assert_false(field_email_ok("\"x\"@example.com"));
}

static void test_phone(void **state)
{
	(void)state;
	assert_true(field_phone_ok("010-6509 2211"));
	assert_true(field_phone_ok("+86 (10) 6509-2211"));
	assert_true(field_phone_ok("13800138000"));
	assert_true(field_phone_ok("110"));
	assert_false(field_phone_ok("12"));
	assert_false(field_phone_ok(""));
	assert_false(field_phone_ok("+-() "));
	assert_false(field_phone_ok("010-6509 2211 ext. 5"));
	assert_false(field_phone_ok("010/65092211"));
	assert_false(field_phone_ok("０１０６５０９"));
	assert_false(field_phone_ok("010\t6509"));
}

static void test_password(void **state)
{
	(void)state;
	assert_false(field_password_ok(""));
	assert_false(field_password_ok("abcdefghijk"));  /* 11 */
	assert_true(field_password_ok("abcdefghijkl"));  /* 12 */
	assert_true(field_password_ok("kefu-demo-2026")); /* 14 */
	/* Chinese characters count as one character each, not by their 3 bytes */
	assert_false(field_password_ok("顾客服务工作程序施工管")); /* 11 characters, 33 bytes */
	assert_true(field_password_ok("顾客服务工作程序施工管理")); /* 12 characters, 36 bytes */
	assert_false(field_password_ok("密码abc1234")); /* 9 characters, 13 bytes */

	char pw[300];
	memset(pw, 'x', sizeof(pw));
	pw[256] = '\0';
	assert_true(field_password_ok(pw)); /* 256 bytes */
	pw[256] = 'x';
	pw[257] = '\0';
	assert_false(field_password_ok(pw)); /* 257 bytes */

	/* the limit is bytes: 86 Chinese characters are 258 bytes */
	char zh[300] = "";
	for (int i = 0; i < 85; i++)
		strcat(zh, "中");
	assert_int_equal(strlen(zh), 255);
	assert_true(field_password_ok(zh));
	strcat(zh, "中");
	assert_int_equal(strlen(zh), 258);
	assert_false(field_password_ok(zh));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_username), cmocka_unit_test(test_code),
		cmocka_unit_test(test_email),    cmocka_unit_test(test_phone),
		cmocka_unit_test(test_password),
	};
	return cmocka_run_group_tests_name("fields", tests, NULL, NULL);
}
