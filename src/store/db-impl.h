/* db-impl.h - what a database backend provides to db.c */
#ifndef KF_DB_IMPL_H
#define KF_DB_IMPL_H

#include "db.h"

struct db_backend {
	const char *name;
	int (*open)(const char *uri, struct db **out, struct kf_error *err);
	void (*close)(struct db *db);
	struct db_stmt *(*query)(struct db *db, const char *sql, const struct db_val *args);
	int (*step)(struct db_stmt *st);
	int64_t (*col_int)(struct db_stmt *st, int col);
	const char *(*col_text)(struct db_stmt *st, int col);
	bool (*col_null)(struct db_stmt *st, int col);
	enum db_val_type (*col_type)(struct db_stmt *st, int col);
	int (*ncols)(struct db_stmt *st);
	const char *(*colname)(struct db_stmt *st, int col);
	void (*done)(struct db_stmt *st);
	int (*script)(struct db *db, const char *sql);
	/* Rows changed by the last INSERT, UPDATE or DELETE. */
	int (*changes)(struct db *db);
	const char *(*errmsg)(struct db *db);
};

#define DB_CACHE_SLOTS 256 /* open addressing; more distinct statements than this is a bug */

/* Every statement struct starts with this header. */
struct db_stmt {
	struct db *db;
	const char *sql; /* the caller's text: its address is the cache key */
	bool cached;	 /* lives in db->cache until the connection closes */
	bool busy;	 /* handed out and not yet db_done() */
};

/* Every connection struct starts with this header. */
struct db {
	const struct db_backend *be;
	enum db_engine engine;
	int depth;
	struct db_stmt *cache[DB_CACHE_SLOTS];
};

/*
 * The cached statement for sql if it is free to use, else NULL; then *slot is where a new
 * statement for sql should be cached, or -1 when it must be a one-off (the cache is full, or
 * the cached one is busy: the same SQL run again inside its own result loop).
 */
struct db_stmt *db_cache_find(struct db *db, const char *sql, int *slot);

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pg_backend;

#endif
