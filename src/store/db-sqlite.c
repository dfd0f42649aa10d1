/* db-sqlite.c - the SQLite backend: WAL, synchronous=FULL, a statement cache per connection */
#include "db-impl.h"
#include "st-search.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
};

struct sq_db {
	struct db base;
	sqlite3 *h;
};

static inline struct sq_db *SQ(struct db *db)
{
	return (struct sq_db *)db;
}

static int sq_map(struct sq_db *d, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_CONSTRAINT:
		return KF_ECONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return KF_EBUSY;
	default:
		fprintf(stderr, "kefu: sqlite: %s\n", sqlite3_errmsg(d->h));
		return KF_EINTERNAL;
	}
}

static void sq_global_setup(void)
{
	/*
	 * Memory statistics take one process-wide mutex on every allocation, which the event
	 * loops would fight over; kefu does not read them. Must come before initialisation.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

/*
 * kefu_scoped_words(key, text): st_scoped_words(), for the triggers that keep ticket_scoped
 * (010-scoped-words.sql) and for that migration; NULL text gives NULL.
 */
static void sq_scoped_words(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *key = (const char *)sqlite3_value_text(argv[0]);
	const char *text = (const char *)sqlite3_value_text(argv[1]);
	if (!key || !text)
		return;
	char *words = st_scoped_words(key, text);
	sqlite3_result_text(ctx, words, -1, free);
}

static int sq_open(const char *uri, struct db **out, struct kf_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sq_global_setup);
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(uri, &h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		kf_fail(err, KF_EBUSY, "db_unavailable", "db", "cannot open %s: %s", uri,
			h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return KF_EBUSY;
	}
	/*
	 * WAL lets the loops read while the writer commits; FULL syncs the WAL on every commit,
	 * so an acknowledged write survives power loss, not only a crash of the process. Reads
	 * go through a memory map of the database (up to 1 GiB) shared by every connection,
	 * instead of a read(2) into each connection's own 2 MB page cache for every page
	 * missed: a queue page of a large company touches a few hundred pages.
	 */
	static const char setup[] = "PRAGMA journal_mode=WAL;"
				    "PRAGMA synchronous=FULL;"
				    "PRAGMA foreign_keys=ON;"
				    "PRAGMA busy_timeout=10000;"
				    "PRAGMA temp_store=MEMORY;"
				    "PRAGMA mmap_size=1073741824;";
	char *msg = NULL;
	if (sqlite3_exec(h, setup, NULL, NULL, &msg) != SQLITE_OK) {
		kf_fail(err, KF_EBUSY, "db_unavailable", "db", "cannot set up %s: %s", uri,
			msg ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(h);
		return KF_EBUSY;
	}
	if (sqlite3_create_function_v2(h, "kefu_scoped_words", 2,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				       sq_scoped_words, NULL, NULL, NULL) != SQLITE_OK) {
		kf_fail(err, KF_EBUSY, "db_unavailable", "db", "cannot set up %s: %s", uri,
			sqlite3_errmsg(h));
		sqlite3_close(h);
		return KF_EBUSY;
	}
	struct sq_db *d = xcalloc(1, sizeof(*d));
	d->base.be = &db_sqlite_backend;
	d->base.engine = DB_SQLITE;
	d->h = h;
	*out = &d->base;
	return 0;
}

static void sq_close(struct db *db)
{
	struct sq_db *d = SQ(db);
	for (int i = 0; i < DB_CACHE_SLOTS; i++) {
		struct sq_stmt *s = (struct sq_stmt *)db->cache[i];
		if (s) {
			sqlite3_finalize(s->st);
			free(s);
		}
	}
	sqlite3_close(d->h);
	free(d);
}

static int sq_bind(struct sq_db *d, sqlite3_stmt *st, const struct db_val *args)
{
	int n = sqlite3_bind_parameter_count(st);
	int i = 0;
	for (; args[i].t != DBV_END; i++) {
		int rc;
		if (i >= n)
			die("too many arguments for: %s", sqlite3_sql(st));
		switch (args[i].t) {
		case DBV_INT:
			rc = sqlite3_bind_int64(st, i + 1, args[i].i);
			break;
		case DBV_TEXT:
			rc = args[i].s ? sqlite3_bind_text(st, i + 1, args[i].s, -1, SQLITE_TRANSIENT)
				       : sqlite3_bind_null(st, i + 1);
			break;
		default:
			rc = sqlite3_bind_null(st, i + 1);
			break;
		}
		if (rc != SQLITE_OK)
			die("bind %d: %s", i + 1, sqlite3_errmsg(d->h));
	}
	if (i != n)
		die("%d arguments for %d parameters: %s", i, n, sqlite3_sql(st));
	return 0;
}

static struct db_stmt *sq_query(struct db *db, const char *sql, const struct db_val *args)
{
	struct sq_db *d = SQ(db);
	int slot;
	struct sq_stmt *s = (struct sq_stmt *)db_cache_find(db, sql, &slot);
	if (!s) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v3(d->h, sql, -1, slot >= 0 ? SQLITE_PREPARE_PERSISTENT : 0, &st,
				       NULL) != SQLITE_OK)
			die("prepare: %s: %s", sqlite3_errmsg(d->h), sql);
		s = xcalloc(1, sizeof(*s));
		s->base.db = db;
		s->base.sql = sql;
		s->base.cached = slot >= 0;
		s->st = st;
		if (slot >= 0)
			db->cache[slot] = &s->base;
	}
	s->base.busy = true;
	sq_bind(d, s->st, args);
	return &s->base;
}

static int sq_step(struct db_stmt *base)
{
	struct sq_stmt *s = (struct sq_stmt *)base;
	return sq_map(SQ(base->db), sqlite3_step(s->st));
}

static int64_t sq_int(struct db_stmt *base, int col)
{
	return sqlite3_column_int64(((struct sq_stmt *)base)->st, col);
}

static const char *sq_text(struct db_stmt *base, int col)
{
	return (const char *)sqlite3_column_text(((struct sq_stmt *)base)->st, col);
}

static bool sq_null(struct db_stmt *base, int col)
{
	return sqlite3_column_type(((struct sq_stmt *)base)->st, col) == SQLITE_NULL;
}

static enum db_val_type sq_type(struct db_stmt *base, int col)
{
	switch (sqlite3_column_type(((struct sq_stmt *)base)->st, col)) {
	case SQLITE_NULL:
		return DBV_NULL;
	case SQLITE_INTEGER:
		return DBV_INT;
	default:
		return DBV_TEXT;
	}
}

static int sq_ncols(struct db_stmt *base)
{
	return sqlite3_column_count(((struct sq_stmt *)base)->st);
}

static const char *sq_colname(struct db_stmt *base, int col)
{
	return sqlite3_column_name(((struct sq_stmt *)base)->st, col);
}

static void sq_done(struct db_stmt *base)
{
	struct sq_stmt *s = (struct sq_stmt *)base;
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->base.busy = false;
	if (!s->base.cached) {
		sqlite3_finalize(s->st);
		free(s);
	}
}

static int sq_script(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(SQ(db)->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "kefu: sqlite: %s\n", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return sq_map(SQ(db), rc) ? sq_map(SQ(db), rc) : KF_EINTERNAL;
	}
	return 0;
}

static int sq_changes(struct db *db)
{
	return sqlite3_changes(SQ(db)->h);
}

static const char *sq_errmsg(struct db *db)
{
	return sqlite3_errmsg(SQ(db)->h);
}

const struct db_backend db_sqlite_backend = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.query = sq_query,
	.step = sq_step,
	.col_int = sq_int,
	.col_text = sq_text,
	.col_null = sq_null,
	.col_type = sq_type,
	.ncols = sq_ncols,
	.colname = sq_colname,
	.done = sq_done,
	.script = sq_script,
	.changes = sq_changes,
	.errmsg = sq_errmsg,
};
