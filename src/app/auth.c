/* auth.c - passwords (argon2id), sessions and API tokens (random, stored as SHA-256) */
#include "app.h"
#include "../store/store.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/*
 * argon2id at OWASP's m=19 MiB, t=2, p=1: strong enough for passwords of 12+ characters and
 * light enough that sign-in does not dominate the server's memory.
 */
#define PW_OPS 2
#define PW_MEM (19u * 1024 * 1024)

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	char pw[33];
	unsigned char raw[16];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(pw, sizeof(pw), raw, sizeof(raw));
	auth_hash_password(pw, dummy_hash, sizeof(dummy_hash));
}

void auth_init(void)
{
	if (sodium_init() < 0)
		die("libsodium failed to initialise");
}

void auth_hash_password(const char *password, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		die("auth_hash_password: buffer too small");
	if (crypto_pwhash_str_alg(out, password, strlen(password), PW_OPS, PW_MEM,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		die("argon2id: out of memory");
}

int auth_check_password(struct db *db, const char *username, const char *password,
			struct actor *who, struct kf_error *err)
{
	struct user_auth u;
	int rc = store_user_auth_by_name(db, username, &u);
	if (rc < 0 && rc != KF_ENOTFOUND)
		return kf_fail(err, rc, "db_error", NULL, "database error");
	/* Verify against a dummy hash for unknown users, so timing does not tell who exists. */
	pthread_once(&dummy_once, make_dummy);
	const char *hash = rc == 0 ? u.pw_hash : dummy_hash;
	bool ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	if (!ok || rc != 0 || !u.active)
		return kf_fail(err, KF_EAUTH, "invalid_credentials", NULL,
			       "wrong username or password");
	who->user_id = u.id;
	who->role = u.role;
	who->customer_id = u.customer_id;
	return 0;
}

static void new_secret(const char *prefix, char out[TOKEN_CHARS])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	size_t plen = strlen(prefix);
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, TOKEN_CHARS - plen, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void secret_hash(const char *token, char out[CHAIN_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, CHAIN_HEX, h, sizeof(h));
}

int auth_session_create(struct db *db, const struct actor *who, int64_t now,
			char token[TOKEN_CHARS], char csrf[TOKEN_CHARS])
{
	char hash[CHAIN_HEX];
	new_secret("", token);
	new_secret("", csrf);
	secret_hash(token, hash);
	/* Sign-in is rare enough to sweep the sessions that have run out, in the same commit. */
	int rc = db_begin(db);
	if (rc < 0)
		return rc;
	rc = store_cred_purge_expired(db, now);
	if (rc >= 0)
		rc = store_cred_insert(db, "session", hash, who->user_id, csrf, now,
				       now + SESSION_SECONDS);
	return app_finish(db, rc);
}

int auth_session_delete(struct db *db, const char *token)
{
	char hash[CHAIN_HEX];
	secret_hash(token, hash);
	return store_cred_delete(db, hash);
}

int auth_resolve(struct db *db, const char *token, int64_t now, struct actor *who,
		 bool *is_session, char csrf[64])
{
	char hash[CHAIN_HEX];
	if (strlen(token) >= TOKEN_CHARS + 8)
		return KF_EAUTH;
	secret_hash(token, hash);
	return store_cred_lookup(db, hash, now, who, is_session, csrf);
}

int auth_token_create(struct db *db, const char *username, int64_t now, char token[TOKEN_CHARS],
		      struct kf_error *err)
{
	struct user_auth u;
	int rc = store_user_auth_by_name(db, username, &u);
	if (rc == KF_ENOTFOUND || (rc == 0 && !u.active))
		return kf_fail(err, KF_ENOTFOUND, "not_found", "username",
			       "no active user '%s'", username);
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "%s", db_errmsg(db));
	char hash[CHAIN_HEX];
	new_secret("kft_", token);
	secret_hash(token, hash);
	rc = store_cred_insert(db, "token", hash, u.id, NULL, now, 0);
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "%s", db_errmsg(db));
	return 0;
}

bool auth_secret_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}
