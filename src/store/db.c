/* db.c - engine dispatch, nested transactions and small helpers over the backends */
#include "db-impl.h"

#include <stdio.h>
#include <string.h>

bool db_uri_is_pg(const char *uri)
{
	return !strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11);
}

struct db_stmt *db_cache_find(struct db *db, const char *sql, int *slot)
{
	size_t start = ((uintptr_t)sql >> 3) % DB_CACHE_SLOTS;
	*slot = -1;
	for (size_t k = 0; k < DB_CACHE_SLOTS; k++) {
		size_t i = (start + k) % DB_CACHE_SLOTS;
		struct db_stmt *c = db->cache[i];
		if (!c) {
			*slot = (int)i;
			return NULL;
		}
		if (c->sql == sql)
			return c->busy ? NULL : c;
	}
	return NULL;
}

int db_open(const char *uri, struct db **out, struct kf_error *err)
{
	if (db_uri_is_pg(uri))
		return db_pg_backend.open(uri, out, err);
	return db_sqlite_backend.open(uri, out, err);
}

void db_close(struct db *db)
{
	if (db)
		db->be->close(db);
}

enum db_engine db_engine(const struct db *db)
{
	return db->engine;
}

struct db_stmt *db_query_v(struct db *db, const char *sql, const struct db_val *args)
{
	return db->be->query(db, sql, args);
}

int db_step(struct db_stmt *st)
{
	return st->db->be->step(st);
}

int64_t db_int(struct db_stmt *st, int col)
{
	return st->db->be->col_int(st, col);
}

const char *db_text(struct db_stmt *st, int col)
{
	return st->db->be->col_text(st, col);
}

bool db_isnull(struct db_stmt *st, int col)
{
	return st->db->be->col_null(st, col);
}

enum db_val_type db_coltype(struct db_stmt *st, int col)
{
	return st->db->be->col_type(st, col);
}

int db_ncols(struct db_stmt *st)
{
	return st->db->be->ncols(st);
}

const char *db_colname(struct db_stmt *st, int col)
{
	return st->db->be->colname(st, col);
}

void db_done(struct db_stmt *st)
{
	st->db->be->done(st);
}

const char *db_errmsg(struct db *db)
{
	return db->be->errmsg(db);
}

int db_exec_v(struct db *db, const char *sql, const struct db_val *args)
{
	struct db_stmt *st = db_query_v(db, sql, args);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		;
	int changed = rc < 0 ? rc : db->be->changes(db);
	db_done(st);
	return changed;
}

int db_int_v(struct db *db, int64_t *out, const char *sql, const struct db_val *args)
{
	struct db_stmt *st = db_query_v(db, sql, args);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*out = db_int(st, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = KF_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int db_script(struct db *db, const char *sql)
{
	return db->be->script(db, sql);
}

int db_depth(const struct db *db)
{
	return db->depth;
}

/*
 * Savepoint names are fixed strings so that the statement cache (keyed by SQL address) serves
 * them; nesting deeper than this is a programming error.
 */
static const char *const sp_begin[] = { "SAVEPOINT s1", "SAVEPOINT s2", "SAVEPOINT s3",
					"SAVEPOINT s4" };
static const char *const sp_release[] = { "RELEASE s1", "RELEASE s2", "RELEASE s3",
					  "RELEASE s4" };
static const char *const sp_rollback[] = { "ROLLBACK TO s1", "ROLLBACK TO s2",
					   "ROLLBACK TO s3", "ROLLBACK TO s4" };

int db_begin(struct db *db)
{
	int rc;
	if (db->depth < 0)
		die("db_begin inside db_read_begin");
	if (db->depth == 0)
		rc = db_exec(db, db->engine == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
	else if (db->depth <= (int)ARRAY_SIZE(sp_begin))
		rc = db_exec(db, sp_begin[db->depth - 1]);
	else
		die("transactions nested too deeply");
	if (rc < 0)
		return rc;
	db->depth++;
	return 0;
}

int db_commit(struct db *db)
{
	if (db->depth <= 0)
		die("db_commit without db_begin");
	int rc = db->depth == 1 ? db_exec(db, "COMMIT") : db_exec(db, sp_release[db->depth - 2]);
	if (rc < 0) {
		/* A failed COMMIT leaves the transaction open on some engines: end it. */
		if (db->depth == 1)
			db_exec(db, "ROLLBACK");
		else {
			db_exec(db, sp_rollback[db->depth - 2]);
			db_exec(db, sp_release[db->depth - 2]);
		}
	}
	db->depth--;
	return rc < 0 ? rc : 0;
}

int db_rollback(struct db *db)
{
	if (db->depth <= 0)
		die("db_rollback without db_begin");
	int rc;
	if (db->depth == 1) {
		rc = db_exec(db, "ROLLBACK");
	} else {
		rc = db_exec(db, sp_rollback[db->depth - 2]);
		if (rc >= 0)
			rc = db_exec(db, sp_release[db->depth - 2]);
	}
	db->depth--;
	return rc < 0 ? rc : 0;
}

void db_read_begin(struct db *db)
{
	if (db->engine == DB_SQLITE && db->depth == 0 && db_exec(db, "BEGIN") == 0)
		db->depth = -1; /* marks the read transaction; db_begin() refuses to nest in it */
}

void db_read_end(struct db *db)
{
	if (db->depth == -1) {
		db_exec(db, "COMMIT");
		db->depth = 0;
	}
}
