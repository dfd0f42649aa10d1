/* db-pg.c - the PostgreSQL backend (libpq): prepared statements per connection, text format */
#include "db-impl.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 32

/* Type OIDs of pg_type.h that we read as integers. */
enum { OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23 };

struct pg_stmt {
	struct db_stmt base;
	char name[16];
	bool prepared;
	int nparams;
	char *vals[MAX_PARAMS]; /* copies of the bound values; NULL binds SQL NULL */
	PGresult *res;
	int row, nrows;
};

struct pg_db {
	struct db base;
	PGconn *c;
	int next_name;
	int changes;
	char err[256];
};

static inline struct pg_db *PG(struct db *db)
{
	return (struct pg_db *)db;
}

static void notice_quiet(void *arg, const char *msg)
{
	(void)arg, (void)msg; /* "NOTICE: relation exists, skipping" and the like */
}

static int pg_open(const char *uri, struct db **out, struct kf_error *err)
{
	PGconn *c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK) {
		kf_fail(err, KF_EBUSY, "db_unavailable", "db", "cannot connect to PostgreSQL: %s",
			PQerrorMessage(c));
		PQfinish(c);
		return KF_EBUSY;
	}
	PQsetNoticeProcessor(c, notice_quiet, NULL);
	/*
	 * Durability is PostgreSQL's synchronous_commit, on by default; say so explicitly so a
	 * server-wide "off" cannot make acknowledged writes losable. UTC and UTF-8 keep both
	 * engines' answers identical. No parallel workers: a request's statements read a page,
	 * and starting workers for one cost 10-50 ms (a search's generic plan chose them). No
	 * JIT either: it compiles a plan again at each execution, 10-30 ms, wherever the planner
	 * overestimates the rows (a project-team member's search for 防水: 7.5 ms, 0.3 without).
	 */
	PGresult *r = PQexec(c, "SET synchronous_commit = on; SET client_encoding = 'UTF8';"
				"SET TIME ZONE 'UTC'; SET lock_timeout = '10s';"
				"SET statement_timeout = '60s';"
				"SET max_parallel_workers_per_gather = 0; SET jit = off");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		kf_fail(err, KF_EBUSY, "db_unavailable", "db", "cannot set up the session: %s",
			PQerrorMessage(c));
		PQfinish(c);
		return KF_EBUSY;
	}
	struct pg_db *d = xcalloc(1, sizeof(*d));
	d->base.be = &db_pg_backend;
	d->base.engine = DB_POSTGRES;
	d->c = c;
	*out = &d->base;
	return 0;
}

static void clear_values(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams && i < MAX_PARAMS; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
	}
}

static void stmt_free(struct pg_stmt *s)
{
	clear_values(s);
	PQclear(s->res);
	free(s);
}

static void pg_close(struct db *db)
{
	struct pg_db *d = PG(db);
	for (int i = 0; i < DB_CACHE_SLOTS; i++)
		if (db->cache[i])
			stmt_free((struct pg_stmt *)db->cache[i]);
	PQfinish(d->c);
	free(d);
}

/* "?" placeholders to "$n", outside quoted strings and identifiers. */
static char *rewrite(const char *sql, int *nparams)
{
	size_t len = strlen(sql);
	char *out = xmalloc(len * 3 + 1), *o = out;
	int n = 0;
	char quote = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?') {
			o += sprintf(o, "$%d", ++n);
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	*nparams = n;
	return out;
}

static int sqlstate_err(struct pg_db *d, const PGresult *res)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(d->err, sizeof(d->err), "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(d->c));
	if (!st)
		return KF_EBUSY; /* no server answer: the connection is gone */
	if (!strncmp(st, "23", 2))
		return KF_ECONFLICT; /* integrity: unique, foreign key, check */
	if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03") ||
	    !strncmp(st, "57P", 3) || !strncmp(st, "08", 2))
		return KF_EBUSY; /* serialization, deadlock, lock timeout, shutdown, connection */
	fprintf(stderr, "kefu: postgresql: %s", d->err);
	return KF_EINTERNAL;
}

/* After a lost connection every prepared statement is gone with it. */
static void reconnect(struct pg_db *d)
{
	PQreset(d->c);
	for (int i = 0; i < DB_CACHE_SLOTS; i++)
		if (d->base.cache[i])
			((struct pg_stmt *)d->base.cache[i])->prepared = false;
}

static struct db_stmt *pg_query(struct db *db, const char *sql, const struct db_val *args)
{
	struct pg_db *d = PG(db);
	if (PQstatus(d->c) != CONNECTION_OK && d->base.depth == 0)
		reconnect(d);
	int slot;
	struct pg_stmt *s = (struct pg_stmt *)db_cache_find(db, sql, &slot);
	if (!s) {
		s = xcalloc(1, sizeof(*s));
		s->base.db = db;
		s->base.sql = sql;
		s->base.cached = slot >= 0;
		if (slot >= 0)
			db->cache[slot] = &s->base;
	}
	int n = 0;
	char *text = rewrite(sql, &n);
	if (n > MAX_PARAMS)
		die("more than %d parameters: %s", MAX_PARAMS, sql);
	/*
	 * Cached statements are prepared once per connection. A failed prepare (a lost
	 * connection) leaves the statement unprepared: step then runs it unprepared and reports
	 * the real error.
	 */
	if (s->base.cached && !s->prepared) {
		snprintf(s->name, sizeof(s->name), "k%d", ++d->next_name);
		PGresult *r = PQprepare(d->c, s->name, text, n, NULL);
		s->prepared = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	free(text);
	s->nparams = n;
	s->base.busy = true;
	s->row = -1;
	int i = 0;
	for (; args[i].t != DBV_END; i++) {
		if (i >= n)
			die("too many arguments for: %s", sql);
		if (args[i].t == DBV_INT)
			s->vals[i] = xasprintf("%lld", (long long)args[i].i);
		else if (args[i].t == DBV_TEXT && args[i].s)
			s->vals[i] = xstrdup(args[i].s);
		else
			s->vals[i] = NULL;
	}
	if (i != n)
		die("%d arguments for %d parameters: %s", i, n, sql);
	return &s->base;
}

static PGresult *exec(struct pg_db *d, struct pg_stmt *s)
{
	const char *const *vals = (const char *const *)s->vals;
	if (s->base.cached && s->prepared)
		return PQexecPrepared(d->c, s->name, s->nparams, vals, NULL, NULL, 0);
	int n;
	char *text = rewrite(s->base.sql, &n);
	PGresult *r = PQexecParams(d->c, text, n, NULL, vals, NULL, NULL, 0);
	free(text);
	return r;
}

static bool ok_status(const PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

static int pg_step(struct db_stmt *base)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	struct pg_db *d = PG(base->db);
	if (!s->res) {
		s->res = exec(d, s);
		/*
		 * A server restart breaks the connection under us. Outside a transaction nothing
		 * is lost by connecting again and running the statement once more (unprepared:
		 * the new session has no prepared statements yet).
		 */
		if (!ok_status(s->res) && PQstatus(d->c) != CONNECTION_OK && d->base.depth == 0) {
			reconnect(d);
			if (PQstatus(d->c) == CONNECTION_OK) {
				PQclear(s->res);
				s->res = exec(d, s);
			}
		}
		if (!ok_status(s->res))
			return sqlstate_err(d, s->res);
		/* COMMIT of a transaction an error has aborted answers "ROLLBACK": not a success. */
		if (!strcmp(s->base.sql, "COMMIT") && !strcmp(PQcmdStatus(s->res), "ROLLBACK")) {
			snprintf(d->err, sizeof(d->err), "the transaction was rolled back");
			return KF_EBUSY;
		}
		s->nrows = PQresultStatus(s->res) == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
		d->changes = atoi(PQcmdTuples(s->res));
	}
	if (++s->row < s->nrows)
		return DB_ROW;
	return DB_DONE;
}

static int64_t pg_int(struct db_stmt *base, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	return strtoll(PQgetvalue(s->res, s->row, col), NULL, 10);
}

static const char *pg_text(struct db_stmt *base, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	return PQgetisnull(s->res, s->row, col) ? NULL : PQgetvalue(s->res, s->row, col);
}

static bool pg_null(struct db_stmt *base, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	return PQgetisnull(s->res, s->row, col);
}

static enum db_val_type pg_type(struct db_stmt *base, int col)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	if (PQgetisnull(s->res, s->row, col))
		return DBV_NULL;
	Oid t = PQftype(s->res, col);
	return t == OID_INT8 || t == OID_INT4 || t == OID_INT2 ? DBV_INT : DBV_TEXT;
}

static int pg_ncols(struct db_stmt *base)
{
	return PQnfields(((struct pg_stmt *)base)->res);
}

static const char *pg_colname(struct db_stmt *base, int col)
{
	return PQfname(((struct pg_stmt *)base)->res, col);
}

static void pg_done(struct db_stmt *base)
{
	struct pg_stmt *s = (struct pg_stmt *)base;
	PQclear(s->res);
	s->res = NULL;
	clear_values(s);
	s->base.busy = false;
	if (!s->base.cached)
		stmt_free(s);
}

static int pg_script(struct db *db, const char *sql)
{
	struct pg_db *d = PG(db);
	PGresult *r = PQexec(d->c, sql);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = sqlstate_err(d, r);
	PQclear(r);
	return rc;
}

static int pg_changes(struct db *db)
{
	return PG(db)->changes;
}

static const char *pg_errmsg(struct db *db)
{
	struct pg_db *d = PG(db);
	return d->err[0] ? d->err : PQerrorMessage(d->c);
}

const struct db_backend db_pg_backend = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.query = pg_query,
	.step = pg_step,
	.col_int = pg_int,
	.col_text = pg_text,
	.col_null = pg_null,
	.col_type = pg_type,
	.ncols = pg_ncols,
	.colname = pg_colname,
	.done = pg_done,
	.script = pg_script,
	.changes = pg_changes,
	.errmsg = pg_errmsg,
};
