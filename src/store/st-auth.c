/* st-auth.c - sessions and API tokens, stored as hashes of their secrets */
#include "store.h"

#include <stdio.h>
#include <string.h>

int store_cred_insert(struct db *db, const char *kind, const char *token_hash, int64_t user_id,
		      const char *csrf, int64_t now, int64_t expires_at)
{
	int rc = db_exec(db, "INSERT INTO credentials (kind, token_hash, user_id, csrf_token,"
			     " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
			 DT(kind), DT(token_hash), DI(user_id), DT(csrf), DI(now),
			 expires_at ? DI(expires_at) : DB_NULL);
	return rc < 0 ? rc : 0;
}

int store_cred_lookup(struct db *db, const char *token_hash, int64_t now, struct actor *who,
		      bool *is_session, char csrf[64])
{
	/* The active flag is read on every request: deactivation takes effect at once. */
	struct db_stmt *st = db_query(
		db,
		"SELECT u.id, u.role, u.customer_id, c.kind, c.csrf_token FROM credentials c"
		" JOIN users u ON u.id = c.user_id"
		" WHERE c.token_hash = ? AND u.active = 1"
		" AND (c.expires_at IS NULL OR c.expires_at > ?)",
		DT(token_hash), DI(now));
	int rc = db_step(st);
	if (rc == DB_ROW) {
		who->user_id = db_int(st, 0);
		who->role = role_parse(db_text(st, 1));
		who->customer_id = db_isnull(st, 2) ? 0 : db_int(st, 2);
		*is_session = !strcmp(db_text(st, 3), "session");
		snprintf(csrf, 64, "%s", db_isnull(st, 4) ? "" : db_text(st, 4));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = KF_EAUTH;
	}
	db_done(st);
	return rc;
}

int store_cred_delete(struct db *db, const char *token_hash)
{
	int rc = db_exec(db, "DELETE FROM credentials WHERE token_hash = ?", DT(token_hash));
	return rc < 0 ? rc : 0;
}

int store_cred_purge_expired(struct db *db, int64_t now)
{
	return db_exec(db, "DELETE FROM credentials WHERE expires_at IS NOT NULL AND expires_at <= ?",
		       DI(now));
}
