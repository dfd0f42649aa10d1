/* db.h - the thin query layer every store file uses; one backend per engine */
#ifndef KF_DB_H
#define KF_DB_H

#include "../lib/util.h"

/*
 * One struct db is one connection, used by one thread at a time. SQL is written once, with
 * '?' placeholders, RETURNING and ON CONFLICT, and runs on every engine; the backend rewrites
 * placeholders where it must. Statements are cached per connection, keyed by the address of
 * the SQL text, so pass string literals.
 */
struct db;
struct db_stmt;

enum db_engine { DB_SQLITE, DB_POSTGRES };

enum db_val_type { DBV_END, DBV_NULL, DBV_INT, DBV_TEXT };
struct db_val {
	enum db_val_type t;
	int64_t i;
	const char *s;
};

#define DB_END ((struct db_val){ .t = DBV_END })
#define DB_NULL ((struct db_val){ .t = DBV_NULL })
#define DI(x) ((struct db_val){ .t = DBV_INT, .i = (int64_t)(x) })
/* A text argument; a NULL pointer binds SQL NULL. */
#define DT(x) ((struct db_val){ .t = DBV_TEXT, .s = (x) })
/* An id that is 0 binds SQL NULL (optional references). */
#define DID(x) ((x) ? DI(x) : DB_NULL)

/* Result of db_step(): a row, the end, or a negative enum kf_err. */
enum { DB_DONE = 0, DB_ROW = 1 };

/*
 * Open uri: a file path (SQLite, created if missing) or postgresql://... On failure returns
 * a negative kf_err with err filled. The connection has WAL, synchronous=FULL, foreign keys
 * and a busy timeout set.
 */
int db_open(const char *uri, struct db **out, struct kf_error *err);
/* True for postgresql:// and postgres:// URIs. */
bool db_uri_is_pg(const char *uri);
void db_close(struct db *db);
enum db_engine db_engine(const struct db *db);

/*
 * Prepare (or take from the cache) and bind args, terminated by DB_END. Never returns NULL: a
 * statement that fails to prepare is a programming error and dies. Call db_done() after the
 * last db_step().
 */
struct db_stmt *db_query_v(struct db *db, const char *sql, const struct db_val *args);
#define db_query(db, sql, ...) \
	db_query_v(db, sql, (const struct db_val[]){ __VA_ARGS__ __VA_OPT__(,) DB_END })

/*
 * Step: DB_ROW, DB_DONE, or a failure: KF_ECONFLICT for a unique or check violation (code
 * "conflict"), KF_EBUSY when the database is locked or gone, KF_EINTERNAL otherwise.
 */
int db_step(struct db_stmt *st);
int64_t db_int(struct db_stmt *st, int col);
/* Text of col, valid until the next step or db_done(); NULL for SQL NULL. */
const char *db_text(struct db_stmt *st, int col);
bool db_isnull(struct db_stmt *st, int col);
/* DBV_NULL, DBV_INT or DBV_TEXT: the type of the value in col of the current row. */
enum db_val_type db_coltype(struct db_stmt *st, int col);
int db_ncols(struct db_stmt *st);
const char *db_colname(struct db_stmt *st, int col);
void db_done(struct db_stmt *st);

/* Run a statement to its end. Returns the number of rows it changed, or a negative kf_err. */
int db_exec_v(struct db *db, const char *sql, const struct db_val *args);
#define db_exec(db, sql, ...) \
	db_exec_v(db, sql, (const struct db_val[]){ __VA_ARGS__ __VA_OPT__(,) DB_END })

/*
 * Run a statement expected to return one row with one integer column (SELECT count(*),
 * INSERT ... RETURNING id). Returns 0 and sets *out, KF_ENOTFOUND for no row, or a failure.
 */
int db_int_v(struct db *db, int64_t *out, const char *sql, const struct db_val *args);
#define db_get_int(db, out, sql, ...) \
	db_int_v(db, out, sql, (const struct db_val[]){ __VA_ARGS__ __VA_OPT__(,) DB_END })

/* Run several ;-separated statements with no parameters (migrations). */
int db_script(struct db *db, const char *sql);

/*
 * Transactions nest: the outermost db_begin() starts a write transaction, inner ones are
 * savepoints. Every db_begin() is matched by exactly one db_commit() or db_rollback().
 */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
int db_depth(const struct db *db);

/*
 * One consistent read for the work of a whole request on a read-only connection. On SQLite
 * this is one deferred transaction, so the WAL read lock is taken once per request instead
 * of once per statement; on PostgreSQL, where BEGIN and COMMIT would cost two round trips,
 * statements stay in autocommit and these do nothing. Nest neither with db_begin().
 */
void db_read_begin(struct db *db);
void db_read_end(struct db *db);

/* The last error text of the connection, for logs. */
const char *db_errmsg(struct db *db);

#endif
