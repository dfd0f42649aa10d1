/* st-locks.c - locks that make several servers on one PostgreSQL behave as one */
#include "store.h"

#include <string.h>

/* Advisory lock keys: one for writers, a range for jobs (hashtext of the name). */
#define WRITERS_KEY 7301

int store_lock_writers(struct db *db)
{
	if (db_engine(db) != DB_POSTGRES)
		return 0;
	int rc = db_exec(db, "SELECT pg_advisory_xact_lock(7301)");
	return rc < 0 ? rc : 0;
}

int store_lock_project(struct db *db, int64_t id)
{
	int64_t got = 0;
	if (db_engine(db) != DB_POSTGRES)
		return db_get_int(db, &got, "SELECT id FROM projects WHERE id = ?", DI(id));
	return db_get_int(db, &got, "SELECT id FROM projects WHERE id = ? FOR UPDATE", DI(id));
}

bool store_job_trylock(struct db *db, const char *name)
{
	if (db_engine(db) != DB_POSTGRES)
		return true;
	struct db_stmt *st = db_query(db, "SELECT pg_try_advisory_lock(1, hashtext(?))::int",
				      DT(name));
	bool got = db_step(st) == DB_ROW && db_int(st, 0) == 1;
	db_done(st);
	return got;
}

void store_job_unlock(struct db *db, const char *name)
{
	if (db_engine(db) == DB_POSTGRES)
		db_exec(db, "SELECT pg_advisory_unlock(1, hashtext(?))", DT(name));
}
