/* st-migrate.c - numbered, per-engine migrations compiled into the binary */
#include "store.h"
#include "../lib/embedded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int migrate(struct db *db, const char *dir, size_t dlen, struct kf_error *err);

int store_migrate(struct db *db, struct kf_error *err)
{
	const char *dir = db_engine(db) == DB_SQLITE ? "sqlite/" : "postgres/";
	size_t dlen = strlen(dir);
	/* Several servers starting at once on one PostgreSQL migrate one after the other. */
	if (db_engine(db) == DB_POSTGRES && db_script(db, "SELECT pg_advisory_lock(7300)") < 0)
		return kf_fail(err, KF_EBUSY, "db_error", "db", "cannot lock for migration: %s",
			       db_errmsg(db));
	int rc = migrate(db, dir, dlen, err);
	if (db_engine(db) == DB_POSTGRES)
		db_script(db, "SELECT pg_advisory_unlock(7300)");
	return rc;
}

static int migrate(struct db *db, const char *dir, size_t dlen, struct kf_error *err)
{
	int rc = db_script(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			       " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
			       " applied_at INTEGER NOT NULL)");
	if (rc < 0)
		return kf_fail(err, rc, "db_error", "db", "cannot create schema_migrations: %s",
			       db_errmsg(db));
	int applied = 0;
	/* sql_files is sorted by name, so "sqlite/001-..." comes before "sqlite/002-...". */
	for (const struct embedded_file *f = sql_files; f->name; f++) {
		if (strncmp(f->name, dir, dlen))
			continue;
		long version = strtol(f->name + dlen, NULL, 10);
		if (version <= 0)
			continue;
		if ((rc = db_begin(db)) < 0)
			return kf_fail(err, rc, "db_error", "db", "cannot begin: %s", db_errmsg(db));
		int64_t n = 0;
		rc = db_get_int(db, &n, "SELECT count(*) FROM schema_migrations WHERE version = ?",
				DI(version));
		/*
		 * Not the session's 60 s limit, meant for a request: a migration may build an
		 * index over a million documents (PostgreSQL's 012: minutes).
		 */
		if (rc == 0 && n == 0 && db_engine(db) == DB_POSTGRES)
			rc = db_script(db, "SET LOCAL statement_timeout = 0");
		if (rc == 0 && n == 0) {
			rc = db_script(db, (const char *)f->data);
			if (rc == 0)
				rc = db_exec(db,
					     "INSERT INTO schema_migrations (version, name, applied_at)"
					     " VALUES (?, ?, ?)",
					     DI(version), DT(f->name + dlen), DI(time(NULL)));
			if (rc >= 0)
				applied++;
		}
		if (rc < 0) {
			db_rollback(db);
			return kf_fail(err, rc, "db_error", "db", "migration %s failed: %s", f->name,
				       db_errmsg(db));
		}
		if ((rc = db_commit(db)) < 0)
			return kf_fail(err, rc, "db_error", "db", "cannot commit %s", f->name);
	}
	return applied;
}

bool store_is_empty(struct db *db)
{
	int64_t n = 0;
	db_get_int(db, &n,
		   "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM customers)"
		   " + (SELECT count(*) FROM projects)");
	return n == 0;
}

bool store_ping(struct db *db)
{
	int64_t one = 0;
	return db_get_int(db, &one, "SELECT 1") == 0 && one == 1;
}
