/* test-chain.c - the audit hash chain (src/core/chain.c) against independently computed vectors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "app/app.h"
#include "core/chain.h"

static const char canon1[] =
	"{\"action\":\"customer.create\",\"at\":1780000000,\"data\":{\"id\":1,\"name\":"
	"\"北京市朝阳区教育委员会\"},\"entity\":\"customer\",\"entity_id\":1,\"id\":1,"
	"\"user_id\":null}";

static int setup(void **state)
{
	(void)state;
	auth_init(); /* sodium_init */
	return 0;
}

static bool is_lower_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void test_genesis(void **state)
{
	(void)state;
	assert_int_equal(strlen(chain_genesis), 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(chain_genesis[i], '0');
}

static void test_known_vectors(void **state)
{
	(void)state;
	char out[CHAIN_HEX];
	/*
	 * G=0000...0000 (64 zeros); C=the canon1 string above:
	 *   printf '%s\n%s' "$G" "$C" | sha256sum
	 */
	chain_hash(chain_genesis, canon1, out);
	assert_string_equal(out, "70c4beffe23a641e475d971d01f9d28bbb38dd4af7692f9e0363f09cf29293bf");
	assert_int_equal(strlen(out), 64);
	assert_true(is_lower_hex(out));

	/* the next link: printf '%s\n%s' "70c4...93bf" 'x' | sha256sum */
	char next[CHAIN_HEX];
	chain_hash(out, "x", next);
	assert_string_equal(next, "33f59ce824d1dd60424e712d0f14c8bdd67bf756bb1afc602561d6b82f94ec2f");

	/* empty parts: printf '\n' | sha256sum (the well-known SHA-256 of a newline) */
	chain_hash("", "", out);
	assert_string_equal(out, "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b");
	/* printf 'abc\n' | sha256sum */
	chain_hash("abc", "", out);
	assert_string_equal(out, "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb");
}

static void test_changes_change_the_hash(void **state)
{
	(void)state;
	char base[CHAIN_HEX], h[CHAIN_HEX];
	chain_hash(chain_genesis, canon1, base);

	/* deterministic */
	chain_hash(chain_genesis, canon1, h);
	assert_string_equal(h, base);

	/* another prev hash (one digit) */
	char prev[CHAIN_HEX];
	memcpy(prev, chain_genesis, CHAIN_HEX);
	prev[63] = '1';
	chain_hash(prev, canon1, h);
	assert_string_not_equal(h, base);

	/* another content (one byte) */
	char canon[sizeof(canon1)];
	memcpy(canon, canon1, sizeof(canon1));
	char *at = strstr(canon, "1780000000");
	assert_non_null(at);
	at[9] = '1';
	chain_hash(chain_genesis, canon, h);
	assert_string_not_equal(h, base);

	/* the newline separates the parts: moving a byte across it changes the hash */
	char a[CHAIN_HEX], b[CHAIN_HEX];
	chain_hash("ab", "c", a);
	chain_hash("a", "bc", b);
	assert_string_not_equal(a, b);

	/* order of two rows matters */
	char x1[CHAIN_HEX], x2[CHAIN_HEX], y1[CHAIN_HEX], y2[CHAIN_HEX];
	chain_hash(chain_genesis, "row-a", x1);
	chain_hash(x1, "row-b", x2);
	chain_hash(chain_genesis, "row-b", y1);
	chain_hash(y1, "row-a", y2);
	assert_string_not_equal(x2, y2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_genesis),
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_changes_change_the_hash),
	};
	return cmocka_run_group_tests_name("chain", tests, setup, NULL);
}
