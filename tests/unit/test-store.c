/*
 * test-store.c - the store against real databases: migrations, nested transactions,
 * conflicts, credentials, the audit chain and its verification, PROCEDURE §1 visibility and
 * search. Every test runs on a SQLite file, then on PostgreSQL when KEFU_TEST_PG names a
 * server (scripts/check.sh starts one), and both engines must give the same JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "app/app.h"
#include "lib/embedded.h"
#include "store/db.h"
#include "store/store.h"
#include "store/st-search.h"
#include "lib/buf.h"

#define NOW INT64_C(1780000000)

/*
 * Each group runs every test on one engine: SQLite files in a mkdtemp folder, or databases
 * made for the run on the PostgreSQL server KEFU_TEST_PG names (skipped when unset). The
 * demo database is made once per engine (argon2id is slow); tests that change or tamper
 * with it do so in a transaction they roll back (scratch() and discard() below).
 */
struct env {
	bool pg;
	bool skip;
	const char *admin_uri; /* PostgreSQL: a database to run CREATE DATABASE from */
	char dir[64];          /* SQLite: the folder of the files */
	struct db *demo;
	char made[32][64];     /* PostgreSQL: the databases to drop at the end */
	int nmade;
};

static struct env sqlite_env, pg_env;

static void discard(struct db *db);

static struct env *E(void **state)
{
	struct env *e = *state;
	if (e->skip)
		skip();
	if (e->demo)
		discard(e->demo); /* what an earlier failed test left open */
	return e;
}

/* The URI of the database called name on this engine. */
static void uri_of(const struct env *e, const char *name, char *out, size_t n)
{
	if (!e->pg) {
		snprintf(out, n, "%s/%s.db", e->dir, name);
		return;
	}
	/* postgresql://user@host:port/dbname?params: replace dbname */
	const char *host = strstr(e->admin_uri, "://");
	const char *slash = host ? strchr(host + 3, '/') : NULL;
	const char *params = strchr(e->admin_uri, '?');
	int plen = slash ? (int)(slash - e->admin_uri) : (int)strlen(e->admin_uri);
	snprintf(out, n, "%.*s/kefu_t%d_%s%s", plen, e->admin_uri, (int)getpid(), name,
		 params ? params : "");
}

static struct db *open_uri(const char *uri)
{
	struct db *db = NULL;
	struct kf_error err;
	kf_error_clear(&err);
	int rc = db_open(uri, &db, &err);
	if (rc != 0)
		fail_msg("db_open %s: %s", uri, err.message);
	assert_non_null(db);
	return db;
}

static struct db *open_db(struct env *e, const char *name)
{
	char uri[256];
	uri_of(e, name, uri, sizeof(uri));
	return open_uri(uri);
}

/* PostgreSQL: (re)create the empty database name. */
static int pg_create(struct env *e, const char *name)
{
	struct db *admin = NULL;
	struct kf_error err;
	kf_error_clear(&err);
	if (db_open(e->admin_uri, &admin, &err) != 0) {
		fprintf(stderr, "cannot connect to %s: %s\n", e->admin_uri, err.message);
		return -1;
	}
	char sql[256];
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS kefu_t%d_%s WITH (FORCE)",
		 (int)getpid(), name);
	int rc = db_script(admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE kefu_t%d_%s", (int)getpid(), name);
	if (rc == 0)
		rc = db_script(admin, sql);
	db_close(admin);
	if (rc == 0 && e->nmade < (int)(sizeof(e->made) / sizeof(e->made[0])))
		snprintf(e->made[e->nmade++], sizeof(e->made[0]), "%s", name);
	return rc;
}

/* A new, empty database. */
static struct db *empty_db(struct env *e, const char *name)
{
	if (e->pg)
		assert_int_equal(pg_create(e, name), 0);
	return open_db(e, name);
}

static struct db *fresh_db(struct env *e, const char *name)
{
	struct db *db = empty_db(e, name);
	struct kf_error err;
	kf_error_clear(&err);
	int rc = store_migrate(db, &err);
	if (rc < 0)
		fail_msg("store_migrate: %s", err.message);
	return db;
}

/*
 * Tests that change or tamper with the demo company do it inside a transaction on it, rolled
 * back at the end (DDL such as DROP TRIGGER included, on both engines), so that every test
 * sees the demo as app_init made it. The use cases nest in it as savepoints, as they do in
 * the server's group-commit transaction.
 */
static void discard(struct db *db)
{
	while (db_depth(db) > 0)
		db_rollback(db);
}

static struct db *scratch(struct env *e)
{
	discard(e->demo);
	assert_int_equal(db_begin(e->demo), 0);
	return e->demo;
}

static int64_t count(struct db *db, const char *sql)
{
	int64_t n = -1;
	assert_int_equal(db_get_int(db, &n, sql), 0);
	return n;
}

static int64_t user_id(struct db *db, const char *username)
{
	struct user_auth u;
	assert_int_equal(store_user_auth_by_name(db, username, &u), 0);
	return u.id;
}

static int make_demo(struct env *e)
{
	char uri[256];
	uri_of(e, "demo", uri, sizeof(uri));
	if (e->pg && pg_create(e, "demo") != 0)
		return -1;
	struct kf_error err;
	kf_error_clear(&err);
	if (db_open(uri, &e->demo, &err) != 0) {
		fprintf(stderr, "db_open %s: %s\n", uri, err.message);
		return -1;
	}
	kf_error_clear(&err);
	int rc = app_init(e->demo, true, NOW, &err);
	if (rc != 0) {
		fprintf(stderr, "app_init demo: %d %s\n", rc, err.message);
		return -1;
	}
	return 0;
}

static int sqlite_setup(void **state)
{
	struct env *e = &sqlite_env;
	*state = e;
	auth_init();
	snprintf(e->dir, sizeof(e->dir), "/tmp/kefu-test-store-XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	return make_demo(e);
}

static int sqlite_teardown(void **state)
{
	struct env *e = *state;
	db_close(e->demo);
	DIR *d = opendir(e->dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char path[384];
			snprintf(path, sizeof(path), "%s/%s", e->dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(e->dir);
	return 0;
}

static int pg_setup(void **state)
{
	struct env *e = &pg_env;
	*state = e;
	auth_init();
	e->pg = true;
	e->admin_uri = getenv("KEFU_TEST_PG");
	if (!e->admin_uri || !*e->admin_uri) {
		e->skip = true;
		return 0;
	}
	return make_demo(e);
}

static int pg_teardown(void **state)
{
	struct env *e = *state;
	if (e->skip)
		return 0;
	db_close(e->demo);
	struct db *admin = NULL;
	struct kf_error err;
	kf_error_clear(&err);
	if (db_open(e->admin_uri, &admin, &err) != 0)
		return -1;
	for (int i = 0; i < e->nmade; i++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS kefu_t%d_%s WITH (FORCE)",
			 (int)getpid(), e->made[i]);
		db_script(admin, sql);
	}
	db_close(admin);
	return 0;
}

/* ---- schema ---- */

static void test_migrate_idempotent(void **state)
{
	struct env *e = E(state);
	struct db *db = empty_db(e, "migrate");
	struct kf_error err;
	kf_error_clear(&err);
	int expected = 0;
	for (const struct embedded_file *f = sql_files; f->name; f++)
		if (!strncmp(f->name, e->pg ? "postgres/" : "sqlite/", e->pg ? 9 : 7))
			expected++;
	assert_true(expected >= 1);
	assert_int_equal(store_migrate(db, &err), expected);
	assert_int_equal(count(db, "SELECT count(*) FROM schema_migrations"), expected);
	/* the second run applies nothing and changes nothing */
	assert_int_equal(store_migrate(db, &err), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM schema_migrations"), expected);
	assert_int_equal(db_depth(db), 0);
	assert_true(store_ping(db));
	assert_true(store_is_empty(db));
	db_close(db);

	/* nor after reopening the file */
	db = open_db(e, "migrate");
	assert_int_equal(store_migrate(db, &err), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM schema_migrations"), expected);
	/* an empty database verifies */
	char *report = NULL;
	int64_t rows = -1;
	assert_int_equal(store_audit_verify(db, &report, &rows), 0);
	assert_int_equal(rows, 0);
	free(report);
	db_close(db);
}

/* ---- transactions ---- */

static int64_t sum_x(struct db *db)
{
	int64_t n = -1;
	assert_int_equal(db_get_int(db, &n, "SELECT coalesce(sum(x), 0) FROM t"), 0);
	return n;
}

static void insert_x(struct db *db, int x)
{
	assert_int_equal(db_exec(db, "INSERT INTO t (x) VALUES (?)", DI(x)), 1);
}

/*
 * A failed statement outside any savepoint breaks a PostgreSQL transaction: its COMMIT answers
 * "ROLLBACK", and db_commit() must report that as a failure, never as success (the writer
 * would otherwise acknowledge writes that were not kept). On SQLite the same mistake is a
 * constraint error, the statement alone is undone, and the commit keeps the rest.
 */
static void test_commit_of_broken_transaction(void **state)
{
	struct env *e = E(state);
	struct db *db = empty_db(e, "broken");
	assert_int_equal(db_script(db, "CREATE TABLE t (x INTEGER NOT NULL UNIQUE)"), 0);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_exec(db, "INSERT INTO t (x) VALUES (?)", DI(1)), 1);
	assert_int_equal(db_exec(db, "INSERT INTO t (x) VALUES (?)", DI(1)), KF_ECONFLICT);
	int rc = db_commit(db);
	int64_t n = -1;
	assert_int_equal(db_get_int(db, &n, "SELECT count(*) FROM t"), 0);
	if (e->pg) {
		assert_true(rc < 0);
		assert_int_equal(n, 0);
	} else {
		assert_int_equal(rc, 0);
		assert_int_equal(n, 1);
	}
	assert_int_equal(db_depth(db), 0);
	db_close(db);
}

static void test_nested_transactions(void **state)
{
	struct env *e = E(state);
	struct db *db = empty_db(e, "tx");
	assert_int_equal(db_script(db, "CREATE TABLE t (x INTEGER NOT NULL UNIQUE)"), 0);

	/* inner rollback keeps the outer work */
	assert_int_equal(db_depth(db), 0);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_depth(db), 1);
	insert_x(db, 1);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_depth(db), 2);
	insert_x(db, 10);
	assert_int_equal(sum_x(db), 11);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(db_depth(db), 1);
	assert_int_equal(sum_x(db), 1);
	/* an inner commit after that is kept with the outer commit */
	assert_int_equal(db_begin(db), 0);
	insert_x(db, 100);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_depth(db), 1);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_depth(db), 0);
	assert_int_equal(sum_x(db), 101);

	/* outer rollback drops everything, committed savepoints included */
	assert_int_equal(db_begin(db), 0);
	insert_x(db, 1000);
	assert_int_equal(db_begin(db), 0);
	insert_x(db, 2000);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_depth(db), 3);
	insert_x(db, 4000);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(sum_x(db), 7101);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(db_depth(db), 0);
	assert_int_equal(sum_x(db), 101);

	/* a rollback in the middle of three levels */
	assert_int_equal(db_begin(db), 0);
	insert_x(db, 2);
	assert_int_equal(db_begin(db), 0);
	insert_x(db, 20);
	assert_int_equal(db_begin(db), 0);
	insert_x(db, 200);
	assert_int_equal(db_commit(db), 0); /* level 3 into level 2 */
	assert_int_equal(db_rollback(db), 0); /* level 2 and with it level 3 */
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(sum_x(db), 103);

	/* work committed survives closing and reopening */
	db_close(db);
	db = open_db(e, "tx");
	assert_int_equal(sum_x(db), 103);
	db_close(db);
}

static void test_unique_conflict(void **state)
{
	struct env *e = E(state);
	struct db *db = fresh_db(e, "conflict");
	assert_int_equal(db_script(db, "CREATE TABLE t (x INTEGER NOT NULL UNIQUE)"), 0);
	insert_x(db, 5);
	assert_int_equal(db_exec(db, "INSERT INTO t (x) VALUES (?)", DI(5)), KF_ECONFLICT);
	int64_t id = 0;
	assert_int_equal(db_get_int(db, &id, "INSERT INTO t (x) VALUES (?) RETURNING x", DI(5)),
			 KF_ECONFLICT);
	assert_int_equal(db_get_int(db, &id, "SELECT x FROM t WHERE x = ?", DI(6)), KF_ENOTFOUND);

	/* a conflict in a savepoint, rolled back, leaves the outer transaction usable */
	assert_int_equal(db_begin(db), 0);
	insert_x(db, 6);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_exec(db, "INSERT INTO t (x) VALUES (?)", DI(6)), KF_ECONFLICT);
	assert_int_equal(db_rollback(db), 0);
	insert_x(db, 7);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(sum_x(db), 18);

	/* the store's own unique columns */
	int64_t uid = 0;
	assert_int_equal(store_user_insert(db, "dup.user", "甲", ROLE_CM, 0, "x", NOW, &uid), 0);
	assert_true(uid > 0);
	assert_int_equal(store_user_insert(db, "dup.user", "乙", ROLE_CM, 0, "x", NOW, &uid),
			 KF_ECONFLICT);
	/* a CHECK violation is a conflict too: a customer user needs a customer */
	assert_int_equal(store_user_insert(db, "cust.user", "丙", ROLE_CUSTOMER, 0, "x", NOW, &uid),
			 KF_ECONFLICT);
	assert_int_equal(count(db, "SELECT count(*) FROM users"), 1);
	db_close(db);
}

/* ---- the demo company through the app layer ---- */

static void expect_verify(struct db *db, int want, const char *needle)
{
	char *report = NULL;
	int64_t rows = -1;
	int rc = store_audit_verify(db, &report, &rows);
	assert_non_null(report);
	if (rc != want)
		fail_msg("store_audit_verify = %d, expected %d; report: %s", rc, want, report);
	assert_true(rows > 0);
	if (needle && !strstr(report, needle))
		fail_msg("report does not name '%s': %s", needle, report);
	if (want == 0)
		assert_string_equal(report, "");
	free(report);
}

/* Everything the demo company looks like through the store, as one JSON text. */
static char *dump(struct db *db)
{
	struct actor admin = { .user_id = 0, .role = ROLE_ADMIN };
	json_t *all = json_object();
	json_object_set_new(all, "customers", store_customers_list(db, &admin));
	json_t *projects = store_projects_list(db, &admin, NULL, 0, NULL);
	json_t *events = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(projects, i, p) {
		json_array_append_new(events, store_stage_events_list(
			db, json_integer_value(json_object_get(p, "id"))));
	}
	json_object_set_new(all, "projects", projects);
	json_object_set_new(all, "events", events);
	json_object_set_new(all, "users", store_users_list(db));
	/* the audit rows hash the same on every engine */
	json_object_set_new(all, "audit",
			    store_rows_json(db_query(db, "SELECT id, at, user_id, action, entity,"
							 " entity_id, data, prev_hash, hash"
							 " FROM audit_log ORDER BY id")));
	char *s = json_dumps(all, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(all);
	return s;
}

static char *sqlite_dump;

static void test_demo(void **state)
{
	struct env *e = E(state);
	struct db *db = e->demo;
	assert_int_equal(count(db, "SELECT count(*) FROM customers"), 4);
	assert_int_equal(count(db, "SELECT count(*) FROM users"), 10);
	assert_int_equal(count(db, "SELECT count(*) FROM projects"), 6);
	assert_int_equal(count(db, "SELECT count(*) FROM stage_events"), 7);
	assert_int_equal(count(db, "SELECT count(*) FROM projects WHERE stage = 'post_warranty'"),
			 1);
	assert_true(count(db, "SELECT count(*) FROM audit_log") >= 4 + 10 + 6 + 7);
	assert_int_equal(db_depth(db), 0);
	expect_verify(db, 0, NULL);

	/* demo data goes only into an empty database */
	struct kf_error err;
	kf_error_clear(&err);
	assert_int_equal(app_init(db, true, NOW, &err), 1);
	assert_int_equal(count(db, "SELECT count(*) FROM customers"), 4);
	assert_int_equal(count(db, "SELECT count(*) FROM schema_migrations"),
			 count(db, "SELECT max(version) FROM schema_migrations"));

	/* both engines answer with the same JSON, down to the audit hashes */
	char *d = dump(db);
	if (!e->pg) {
		free(sqlite_dump);
		sqlite_dump = d;
		return;
	}
	if (!sqlite_dump) {
		free(d);
		return; /* the SQLite group did not get this far */
	}
	size_t k = 0;
	while (d[k] && d[k] == sqlite_dump[k])
		k++;
	bool same = !d[k] && !sqlite_dump[k];
	char at[160];
	size_t from = k > 60 ? k - 60 : 0;
	snprintf(at, sizeof(at), "%.100s", d + from);
	free(d);
	if (!same)
		fail_msg("PostgreSQL differs from SQLite at byte %zu: ...%s", k, at);
}

static void test_app_changes_verify(void **state)
{
	struct env *e = E(state);
	struct db *db = scratch(e);
	struct app_ctx c = { .db = db, .who = { .user_id = 0, .role = ROLE_ADMIN }, .now = NOW };
	struct kf_error err;
	json_t *out = NULL;
	kf_error_clear(&err);

	json_t *b = json_pack("{ss ss ss}", "name", "北京城建集团", "phone", "010-1234 5678",
			      "email", "kefu@bucg.example.cn");
	assert_int_equal(app_customer_create(&c, b, &out, &err), 0);
	json_decref(b);
	int64_t cust = json_integer_value(json_object_get(out, "id"));
	assert_int_equal(cust, 5);
	assert_string_equal(json_string_value(json_object_get(out, "name")), "北京城建集团");
	json_decref(out);

	b = json_pack("{ss}", "address", "北京市海淀区\n北三环中路 62 号");
	assert_int_equal(app_customer_update(&c, cust, b, &out, &err), 0);
	json_decref(b);
	json_decref(out);

	int64_t mgr = user_id(db, "zheng.kai");
	b = json_pack("{ss ss sI sI}", "code", "BJ-2026-020", "name", "城建大厦", "customer_id",
		      (json_int_t)cust, "manager_id", (json_int_t)mgr);
	assert_int_equal(app_project_create(&c, b, &out, &err), 0);
	json_decref(b);
	int64_t pid = json_integer_value(json_object_get(out, "id"));
	assert_string_equal(json_string_value(json_object_get(out, "stage")), "pre_contract");
	json_decref(out);

	b = json_pack("{s[II]}", "user_ids", (json_int_t)mgr, (json_int_t)user_id(db, "wu.lei"));
	assert_int_equal(app_project_set_members(&c, pid, b, &out, &err), 0);
	json_decref(b);
	assert_int_equal(json_array_size(json_object_get(out, "member_ids")), 2);
	json_decref(out);

	c.who.user_id = user_id(db, "business");
	b = json_pack("{ss ss ss}", "type", "contract_signed", "date", "2026-05-01", "note",
		      "施工合同签订");
	assert_int_equal(app_stage_event_create(&c, pid, b, &out, &err), 0);
	json_decref(b);
	assert_string_equal(json_string_value(json_object_get(out, "to_stage")), "construction");
	json_decref(out);
	c.who.user_id = 0;
	assert_int_equal(db_depth(db), 1); /* only scratch()'s transaction */
	expect_verify(db, 0, NULL);

	/* users: a project user with memberships, then made a customer user (drops them) */
	b = json_pack("{ss ss ss ss s[II]}", "username", "new.pm", "name", "新项目经理", "role",
		      "project", "password", "correct horse battery", "project_ids", (json_int_t)pid,
		      (json_int_t)1);
	assert_int_equal(app_user_create(&c, b, &out, &err), 0);
	json_decref(b);
	int64_t uid = json_integer_value(json_object_get(out, "id"));
	assert_int_equal(json_array_size(json_object_get(out, "project_ids")), 2);
	json_decref(out);
	struct actor pm = { .user_id = uid, .role = ROLE_PROJECT };
	json_t *mine = store_projects_list(db, &pm, NULL, 0, NULL);
	assert_int_equal(json_array_size(mine), 2);
	json_decref(mine);
	expect_verify(db, 0, NULL);

	b = json_pack("{ss sI}", "role", "customer", "customer_id", (json_int_t)cust);
	assert_int_equal(app_user_update(&c, uid, b, &out, &err), 0);
	json_decref(b);
	assert_string_equal(json_string_value(json_object_get(out, "role")), "customer");
	assert_int_equal(json_array_size(json_object_get(out, "project_ids")), 0);
	json_decref(out);
	assert_int_equal(count(db, "SELECT count(*) FROM project_members WHERE user_id = (SELECT"
				   " id FROM users WHERE username = 'new.pm')"),
			 0);
	/* now it sees its customer's project (7) only */
	struct actor cu = { .user_id = uid, .role = ROLE_CUSTOMER, .customer_id = cust };
	mine = store_projects_list(db, &cu, NULL, 0, NULL);
	assert_int_equal(json_array_size(mine), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(mine, 0), "id")), pid);
	json_decref(mine);
	b = json_pack("{sb}", "active", 0);
	assert_int_equal(app_user_update(&c, uid, b, &out, &err), 0);
	json_decref(b);
	assert_true(json_is_false(json_object_get(out, "active")));
	json_decref(out);
	assert_int_equal(db_depth(db), 1); /* only scratch()'s transaction */
	expect_verify(db, 0, NULL);

	/* failures leave nothing behind: neither rows nor audit entries */
	int64_t audits = count(db, "SELECT count(*) FROM audit_log");
	int64_t projects = count(db, "SELECT count(*) FROM projects");
	kf_error_clear(&err);
	b = json_pack("{ss ss sI}", "code", "BJ-2026-020", "name", "重复", "customer_id",
		      (json_int_t)cust);
	out = NULL;
	assert_int_equal(app_project_create(&c, b, &out, &err), KF_ECONFLICT);
	json_decref(b);
	assert_null(out);
	assert_string_equal(err.code, "conflict");
	kf_error_clear(&err);
	b = json_pack("{ss ss}", "type", "warranty_ended", "date", "2026-06-01");
	assert_int_equal(app_stage_event_create(&c, pid, b, &out, &err), KF_ERULE);
	json_decref(b);
	assert_string_equal(err.code, "stage_order");
	kf_error_clear(&err);
	b = json_pack("{ss ss}", "type", "completion_filed", "date", "2026-04-30");
	assert_int_equal(app_stage_event_create(&c, pid, b, &out, &err), KF_ERULE);
	json_decref(b);
	assert_string_equal(err.field, "date");
	assert_int_equal(db_depth(db), 1); /* only scratch()'s transaction */
	assert_int_equal(count(db, "SELECT count(*) FROM audit_log"), audits);
	assert_int_equal(count(db, "SELECT count(*) FROM projects"), projects);
	assert_int_equal(count(db, "SELECT count(*) FROM stage_events WHERE project_id = 7"), 1);
	assert_int_equal(pid, 7);
	expect_verify(db, 0, NULL);
	discard(db);
}

static void test_tamper_customer(void **state)
{
	struct env *e = E(state);
	struct db *db = scratch(e);
	char name[256];
	struct db_stmt *st = db_query(db, "SELECT name FROM customers WHERE id = 1");
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(name, sizeof(name), "%s", db_text(st, 0));
	db_done(st);

	assert_int_equal(db_exec(db, "UPDATE customers SET name = ? WHERE id = 1", DT("假客户")), 1);
	expect_verify(db, 1, "customer 1:");

	/* putting the recorded value back makes it whole again */
	assert_int_equal(db_exec(db, "UPDATE customers SET name = ? WHERE id = 1", DT(name)), 1);
	expect_verify(db, 0, NULL);

	/* a row deleted behind the log's back */
	assert_int_equal(db_exec(db, "DELETE FROM project_members WHERE project_id = 4"), 1);
	expect_verify(db, 1, "project_members 4:");
	discard(db);
}

/* Drop the trigger that keeps audit_log from UPDATE (or DELETE). */
static void drop_trigger(struct env *e, struct db *db, bool delete)
{
	if (e->pg) /* one trigger for both */
		assert_int_equal(db_script(db, "DROP TRIGGER audit_log_no_update ON audit_log"), 0);
	else if (delete)
		assert_int_equal(db_script(db, "DROP TRIGGER audit_log_no_delete"), 0);
	else
		assert_int_equal(db_script(db, "DROP TRIGGER audit_log_no_update"), 0);
}

static void test_tamper_audit_log(void **state)
{
	struct env *e = E(state);
	struct db *db = e->demo;
	/* the log is append-only (outside a transaction: on PostgreSQL a failure ends one) */
	assert_true(db_exec(db, "UPDATE audit_log SET action = 'x' WHERE id = 3") < 0);
	assert_true(db_exec(db, "DELETE FROM audit_log WHERE id = 3") < 0);
	expect_verify(db, 0, NULL);

	db = scratch(e);
	drop_trigger(e, db, false);
	assert_int_equal(db_exec(db, "UPDATE audit_log SET data = ? WHERE id = 3",
				 DT("{\"id\":3,\"name\":\"改过的\"}")),
			 1);
	expect_verify(db, 1, "audit row 3 ");
	discard(db);

	/* a hash rewritten: that row is named first */
	db = scratch(e);
	drop_trigger(e, db, false);
	assert_int_equal(db_exec(db, "UPDATE audit_log SET hash = ? WHERE id = 5", DT(chain_genesis)),
			 1);
	expect_verify(db, 1, "audit row 5 ");
	discard(db);

	/* a row removed */
	db = scratch(e);
	drop_trigger(e, db, true);
	assert_int_equal(db_exec(db, "DELETE FROM audit_log WHERE id = 4"), 1);
	expect_verify(db, 1, "audit row 4 is missing");
	discard(db);

	/* rolled back: the triggers and rows are as they were */
	expect_verify(e->demo, 0, NULL);
	assert_true(db_exec(e->demo, "DELETE FROM audit_log WHERE id = 4") < 0);
}

/* ---- credentials ---- */

static void test_credentials(void **state)
{
	struct env *e = E(state);
	struct db *db = scratch(e);
	int64_t admin = user_id(db, "admin"), cust = user_id(db, "customer");
	assert_int_equal(store_cred_insert(db, "session", "hash-s", admin, "csrf-1", NOW, NOW + 100),
			 0);
	assert_int_equal(store_cred_insert(db, "token", "hash-t", cust, NULL, NOW, 0), 0);
	/* the same hash twice is a conflict (in a savepoint: PostgreSQL aborts on errors) */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(store_cred_insert(db, "token", "hash-t", admin, NULL, NOW, 0),
			 KF_ECONFLICT);
	assert_int_equal(db_rollback(db), 0);

	struct actor who = { 0 };
	bool is_session = false;
	char csrf[64] = "x";
	assert_int_equal(store_cred_lookup(db, "hash-s", NOW + 99, &who, &is_session, csrf), 0);
	assert_int_equal(who.user_id, admin);
	assert_int_equal(who.role, ROLE_ADMIN);
	assert_int_equal(who.customer_id, 0);
	assert_true(is_session);
	assert_string_equal(csrf, "csrf-1");
	/* expired at expires_at */
	assert_int_equal(store_cred_lookup(db, "hash-s", NOW + 100, &who, &is_session, csrf),
			 KF_EAUTH);
	assert_int_equal(store_cred_lookup(db, "no-such", NOW, &who, &is_session, csrf), KF_EAUTH);

	/* an API token never expires and carries the customer */
	assert_int_equal(store_cred_lookup(db, "hash-t", NOW + 100000000, &who, &is_session, csrf),
			 0);
	assert_int_equal(who.role, ROLE_CUSTOMER);
	assert_int_equal(who.customer_id, 1);
	assert_false(is_session);
	assert_string_equal(csrf, "");

	/* purge drops the expired session only */
	assert_int_equal(store_cred_purge_expired(db, NOW + 100), 1);
	assert_int_equal(count(db, "SELECT count(*) FROM credentials"), 1);
	/* a deactivated user's credentials stop working at once */
	assert_int_equal(store_user_set_active(db, cust, false, NOW), 0);
	assert_int_equal(store_cred_lookup(db, "hash-t", NOW, &who, &is_session, csrf), KF_EAUTH);
	assert_int_equal(store_user_set_active(db, cust, true, NOW), 0);
	assert_int_equal(store_cred_lookup(db, "hash-t", NOW, &who, &is_session, csrf), 0);
	assert_int_equal(store_cred_delete(db, "hash-t"), 0);
	assert_int_equal(store_cred_lookup(db, "hash-t", NOW, &who, &is_session, csrf), KF_EAUTH);
	discard(db);
}

/* ---- visibility (PROCEDURE §1) ---- */

static bool has_member(json_t *project, int64_t uid)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(project, "member_ids"), i, v) {
		if (json_integer_value(v) == uid)
			return true;
	}
	return false;
}

static void test_visibility_customer(void **state)
{
	struct env *e = E(state);
	struct db *db = e->demo;
	struct user_auth u;
	assert_int_equal(store_user_auth_by_name(db, "customer", &u), 0);
	assert_int_equal(u.role, ROLE_CUSTOMER);
	assert_int_equal(u.customer_id, 1);
	struct actor who = { .user_id = u.id, .role = ROLE_CUSTOMER, .customer_id = 1 };

	json_t *a = store_projects_list(db, &who, NULL, 0, NULL);
	assert_int_equal(json_array_size(a), 2);
	size_t i;
	json_t *p;
	json_array_foreach(a, i, p) {
		assert_int_equal(json_integer_value(json_object_get(p, "customer_id")), 1);
	}
	json_decref(a);
	/* filters cannot widen it */
	a = store_projects_list(db, &who, NULL, 2, NULL);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	a = store_projects_list(db, &who, "warranty", 0, NULL);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	a = store_projects_list(db, &who, NULL, 0, "中关村");
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);

	/* one by one */
	int seen = 0;
	for (int64_t id = 1; id <= 6; id++) {
		json_t *one = store_project_get(db, &who, id);
		bool vis = store_project_visible(db, &who, id);
		assert_int_equal(vis, one != NULL);
		if (one) {
			assert_int_equal(json_integer_value(json_object_get(one, "customer_id")), 1);
			seen++;
		}
		json_decref(one);
	}
	assert_int_equal(seen, 2);

	/* customers: only its own */
	a = store_customers_list(db, &who);
	assert_int_equal(json_array_size(a), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "id")), 1);
	json_decref(a);
	json_t *c2 = store_customer_get(db, &who, 2);
	assert_null(c2);

	/* another customer's representative sees the other customer's projects */
	struct actor other = { .user_id = u.id, .role = ROLE_CUSTOMER, .customer_id = 2 };
	a = store_projects_list(db, &other, NULL, 0, NULL);
	assert_int_equal(json_array_size(a), 2);
	json_array_foreach(a, i, p) {
		assert_int_equal(json_integer_value(json_object_get(p, "customer_id")), 2);
	}
	json_decref(a);
}

static void test_visibility_project(void **state)
{
	struct env *e = E(state);
	struct db *db = e->demo;
	struct actor admin = { .user_id = 0, .role = ROLE_ADMIN };
	json_t *all = store_projects_list(db, &admin, NULL, 0, NULL);
	assert_int_equal(json_array_size(all), 6);
	/* other staff roles see everything too */
	struct actor cm = { .user_id = user_id(db, "cm"), .role = ROLE_CM };
	json_t *a = store_projects_list(db, &cm, NULL, 0, NULL);
	assert_int_equal(json_array_size(a), 6);
	json_decref(a);

	static const struct {
		const char *username;
		size_t n;
	} cases[] = { { "project", 2 }, { "zheng.kai", 1 }, { "wu.lei", 1 } };
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		int64_t uid = user_id(db, cases[k].username);
		struct actor who = { .user_id = uid, .role = ROLE_PROJECT };
		a = store_projects_list(db, &who, NULL, 0, NULL);
		assert_int_equal(json_array_size(a), cases[k].n);
		size_t i;
		json_t *p;
		json_array_foreach(a, i, p) {
			assert_true(has_member(p, uid));
		}
		json_decref(a);
		/* and every project it is a member of, and none other, is visible */
		json_array_foreach(all, i, p) {
			int64_t pid = json_integer_value(json_object_get(p, "id"));
			assert_int_equal(store_project_visible(db, &who, pid), has_member(p, uid));
			json_t *one = store_project_get(db, &who, pid);
			assert_int_equal(one != NULL, has_member(p, uid));
			json_decref(one);
		}
	}
	/* a project user who is a member of nothing sees nothing */
	struct actor nobody = { .user_id = 999, .role = ROLE_PROJECT };
	a = store_projects_list(db, &nobody, NULL, 0, NULL);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	a = store_customers_list(db, &nobody);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	/* customers: those of its projects */
	struct actor wu = { .user_id = user_id(db, "wu.lei"), .role = ROLE_PROJECT };
	a = store_customers_list(db, &wu);
	assert_int_equal(json_array_size(a), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "id")), 3);
	json_decref(a);

	json_decref(all);
}

/*
 * q is a substring of the code, the project name or the customer name, with LIKE's wildcards
 * taken literally, and the same answer on every engine (ASCII case does not matter: the
 * codes are upper case, people type lower case).
 */
static void test_project_search(void **state)
{
	struct env *e = E(state);
	struct actor admin = { .user_id = 0, .role = ROLE_ADMIN };
	static const struct {
		const char *q;
		size_t n;
	} search[] = { { "BJ-2026", 4 }, { "中关村", 2 }, { "北京协和", 1 }, { "_", 0 },
		       { "%", 0 },       { "BJ%", 0 },    { "\\", 0 },      { "2021-003", 1 },
		       { "bj-2021", 1 },  { "Bj-2026-00", 2 } };
	for (size_t k = 0; k < sizeof(search) / sizeof(search[0]); k++) {
		json_t *a = store_projects_list(e->demo, &admin, NULL, 0, search[k].q);
		size_t n = json_array_size(a);
		json_decref(a);
		if (n != search[k].n)
			fail_msg("q=%s: %zu projects, expected %zu", search[k].q, n, search[k].n);
	}
	json_t *a = store_projects_list(e->demo, &admin, "pre_contract", 2, NULL);
	size_t n = json_array_size(a);
	json_decref(a);
	assert_int_equal(n, 2);
}

static size_t search_count(struct db *db, const struct actor *who, const char *q)
{
	json_t *a = store_projects_list(db, who, NULL, 0, q);
	size_t n = json_array_size(a);
	json_decref(a);
	return n;
}

/*
 * Chinese words of every length go through the engine's search index: one and two
 * characters (SQLite's trigram index matches nothing under three, so those scan), three and
 * more (FTS5 trigram on SQLite, pg_trgm on PostgreSQL), and an FTS5 query's syntax is text.
 * The index follows renames, and search never widens what a caller may see.
 */
static void test_search_index(void **state)
{
	struct env *e = E(state);
	struct actor admin = { .user_id = 0, .role = ROLE_ADMIN };
	static const struct {
		const char *q;
		size_t n;
	} search[] = { { "协", 1 },	       { "朝阳", 2 },	 { "软件园", 2 },
		       { "软件园三期", 1 },    { "教育委员会", 2 }, { "\"软件园\"", 0 },
		       { "软件园 OR 协和", 0 }, { "NEAR(软件 园)", 0 }, { "幼儿园改扩建", 1 } };
	for (size_t k = 0; k < sizeof(search) / sizeof(search[0]); k++) {
		size_t n = search_count(e->demo, &admin, search[k].q);
		if (n != search[k].n)
			fail_msg("q=%s: %zu projects, expected %zu", search[k].q, n, search[k].n);
	}

	/* A renamed project and a renamed customer are found by their new names at once. */
	struct db *db = scratch(e);
	struct app_ctx c = { .db = db, .who = admin, .now = NOW };
	struct kf_error err = { 0 };
	json_t *out = NULL;
	json_t *body = json_pack("{ss}", "name", "海淀图书馆新馆");
	assert_int_equal(app_project_update(&c, 3, body, &out, &err), 0);
	json_decref(body);
	json_decref(out);
	body = json_pack("{ss}", "name", "北京协和医院总务处");
	assert_int_equal(app_customer_update(&c, 3, body, &out, &err), 0);
	json_decref(body);
	json_decref(out);
	assert_int_equal(search_count(db, &admin, "图书馆"), 1);
	assert_int_equal(search_count(db, &admin, "海淀图书馆新馆"), 1);
	assert_int_equal(search_count(db, &admin, "软件园三期"), 0);
	assert_int_equal(search_count(db, &admin, "总务处"), 1);
	assert_int_equal(search_count(db, &admin, "基建处"), 0);

	/* The customer user of customer 1 finds only its own projects, whatever it types. */
	struct actor cust = { .user_id = user_id(db, "customer"), .role = ROLE_CUSTOMER,
			      .customer_id = 1 };
	assert_int_equal(search_count(db, &cust, "朝阳"), 2);
	assert_int_equal(search_count(db, &cust, "软件园"), 0);
	assert_int_equal(search_count(db, &cust, "BJ-20"), 2);
	discard(db);
}

/*
 * The words of one project (ticket_scoped): pairs of ideographs in a row and each run's last
 * one, behind the key; anything else, CJK punctuation included, ends a run. And the queries
 * that find a word among them, which on SQLite go through kefu_scoped_words() as well.
 */
static void test_scoped_words(void **state)
{
	struct env *e = E(state);
	static const char *const words[][2] = {
		{ "卫生间", "K卫生 K生间 K间" },
		{ "卫生，间 A座3号楼", "K卫生 K生 K间 K座 K号楼 K楼" },
		{ "防水。漏", "K防水 K水 K漏" },
		{ "𠮷野家", "K𠮷野 K野家 K家" },
		{ "水", "K水" },
		{ "abc 123", "" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char *w = st_scoped_words("K", words[i][0]);
		assert_string_equal(w, words[i][1]);
		free(w);
		/* the SQL function of either engine (PostgreSQL's gives no words as NULL) */
		struct db_stmt *st = db_query(
			e->demo, "SELECT COALESCE(kefu_scoped_words('K', ?), '')", DT(words[i][0]));
		assert_int_equal(db_step(st), DB_ROW);
		assert_string_equal(db_text(st, 0), words[i][1]);
		db_done(st);
	}
	struct db_stmt *st = db_query(e->demo, "SELECT kefu_scoped_words('K', NULL)");
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(db_isnull(st, 0));
	db_done(st);

	assert_true(st_ideographs_only("防水"));
	assert_true(st_ideographs_only("𠮷"));
	assert_false(st_ideographs_only("防水A"));
	assert_false(st_ideographs_only("防，水"));
	assert_false(st_ideographs_only("。"));
	assert_false(st_ideographs_only(""));
	/* q; its FTS5 query (SQLite); its tsquery (PostgreSQL) */
	static const char *const queries[][3] = {
		{ "防水", "\"K防水\"", "K防水" },
		{ "卫生间", "\"K卫生 K生间\"", "(K卫生 & K生间)" },
		{ "防水卷材", "\"K防水 K水卷 K卷材\"", "(K防水 & K水卷 & K卷材)" },
		{ "水", "\"K水\" *", "K水:*" },
	};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct buf fts = BUF_INIT, tsq = BUF_INIT;
		st_scoped_phrase(&fts, "K", queries[i][0]);
		st_scoped_tsquery(&tsq, "K", queries[i][0]);
		assert_string_equal(fts.s, queries[i][1]);
		assert_string_equal(tsq.s, queries[i][2]);
		buf_release(&fts);
		buf_release(&tsq);
	}
}

/* A ticket of project pid recorded by who, with text as its description; its id. */
static int64_t ticket_with(struct db *db, const struct actor *who, int64_t pid, const char *text)
{
	struct app_ctx c = { .db = db, .who = *who, .now = NOW };
	struct kf_error err = { 0 };
	json_t *out = NULL;
	json_t *b = json_pack("{sI ss ss ss ss}", "project_id", (json_int_t)pid, "kind", "inquiry",
			      "title", "咨询", "description", text, "channel", "phone");
	assert_int_equal(app_ticket_create(&c, b, &out, &err), 0);
	json_decref(b);
	int64_t id = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	return id;
}

/* Every page of the search q (and status, if given) for who, two tickets a page. */
static void expect_search(struct db *db, const struct actor *who, const char *q,
			  const char *status, const int64_t *want, size_t n)
{
	struct app_ctx c = { .db = db, .who = *who, .now = NOW };
	char cursor[24] = "";
	size_t got = 0;
	for (;;) {
		struct ticket_query tq = { .q = q, .status = status, .limit = "2",
					   .cursor = *cursor ? cursor : NULL };
		struct kf_error err = { 0 };
		json_t *out = NULL, *t;
		size_t i;
		assert_int_equal(app_tickets_list(&c, &tq, &out, &err), 0);
		json_array_foreach(json_object_get(out, "items"), i, t) {
			int64_t id = json_integer_value(json_object_get(t, "id"));
			if (got >= n || id != want[got])
				fail_msg("q=%s: ticket %zu is %lld, expected %lld", q, got,
					 (long long)id, got < n ? (long long)want[got] : -1LL);
			got++;
		}
		json_t *next = json_object_get(out, "next_cursor");
		bool more = json_is_string(next);
		if (more)
			snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		json_decref(out);
		if (!more)
			break;
	}
	if (got != n)
		fail_msg("q=%s: %zu tickets, expected %zu", q, got, n);
}

/*
 * A project-team member's search among their projects' words, across ranges of ticket ids:
 * PostgreSQL keys those words by id >> 16 (012-scoped-words-by-range.sql) and reads the newest
 * range first, so the tickets here lie in ranges 0, 1, 3 (2 left empty) and 4, and every page
 * (two tickets each) must come in order, with nothing of another project and no document
 * that holds a three-character word's pairs apart. SQLite has no ranges; its ids run on.
 */
static void test_search_ranges(void **state)
{
	struct env *e = E(state);
	struct db *db = scratch(e);
	struct actor pm = { .user_id = user_id(db, "project"), .role = ROLE_PROJECT };
	json_t *mine = store_projects_list(db, &pm, NULL, 0, NULL);
	assert_int_equal(json_array_size(mine), 2);
	int64_t p1 = json_integer_value(json_object_get(json_array_get(mine, 0), "id"));
	int64_t p2 = json_integer_value(json_object_get(json_array_get(mine, 1), "id"));
	json_decref(mine);
	int64_t other = 0;
	assert_int_equal(db_get_int(db, &other, "SELECT min(id) FROM projects WHERE id NOT IN"
						" (SELECT project_id FROM project_members"
						" WHERE user_id = ?)",
				    DI(pm.user_id)),
			 0);
	struct actor cm = { .user_id = user_id(db, "cm"), .role = ROLE_CM };
	/* in ranges 0, 1, 3 (2 empty) and 4: the first id of each; whose: 1, 2 (pm's) or 0 */
	static const struct {
		int64_t from;
		int whose;
		const char *text;
	} tickets[] = {
		{ 0, 1, "屋面有鲸鱼座图案处渗水" }, { 0, 2, "鲸鱼" }, { 0, 0, "鲸鱼座" },
		{ 70000, 1, "鲸 鱼 座 分开写" },  { 0, 2, "鲸鱼座" },
		{ 200000, 1, "鲸鱼" },		   { 0, 0, "鲸鱼" },
		{ 300000, 2, "鲸鱼座鲸鱼座" },	   { 0, 1, "鲸鱼座" },  { 0, 1, "座鱼鲸" },
		{ 0, 1, "鲸鱼和鱼座" },
	};
	int64_t t[ARRAY_SIZE(tickets)];
	for (size_t i = 0; i < ARRAY_SIZE(tickets); i++) {
		int64_t seq = 0;
		if (e->pg && tickets[i].from)
			assert_int_equal(db_get_int(db, &seq,
						    "SELECT setval(pg_get_serial_sequence("
						    "'tickets', 'id'), ?)",
						    DI(tickets[i].from)),
					 0);
		int w = tickets[i].whose;
		t[i] = ticket_with(db, w ? &pm : &cm, w == 1 ? p1 : w == 2 ? p2 : other,
				   tickets[i].text);
	}
	int64_t whole[] = { t[8], t[7], t[4], t[0] };
	int64_t two[] = { t[10], t[8], t[7], t[5], t[4], t[1], t[0] };
	int64_t one[] = { t[10], t[9], t[8], t[7], t[5], t[4], t[3], t[1], t[0] };
	expect_search(db, &pm, "鲸鱼座", NULL, whole, ARRAY_SIZE(whole));
	expect_search(db, &pm, "鲸鱼", NULL, two, ARRAY_SIZE(two));
	expect_search(db, &pm, "鲸", NULL, one, ARRAY_SIZE(one));
	/* with a filter: every one of them is new, none closed */
	expect_search(db, &pm, "鲸鱼", "new", two, ARRAY_SIZE(two));
	expect_search(db, &pm, "鲸鱼", "closed", NULL, 0);
	discard(db);
}

#define STORE_TESTS                                                                         \
	cmocka_unit_test(test_migrate_idempotent), cmocka_unit_test(test_nested_transactions), \
		cmocka_unit_test(test_commit_of_broken_transaction),   \
		cmocka_unit_test(test_unique_conflict), cmocka_unit_test(test_demo),             \
		cmocka_unit_test(test_app_changes_verify),                                       \
		cmocka_unit_test(test_tamper_customer), cmocka_unit_test(test_tamper_audit_log), \
		cmocka_unit_test(test_credentials), cmocka_unit_test(test_visibility_customer),  \
		cmocka_unit_test(test_visibility_project), cmocka_unit_test(test_project_search), \
		cmocka_unit_test(test_search_index), cmocka_unit_test(test_scoped_words),    \
		cmocka_unit_test(test_search_ranges)

int main(void)
{
	const struct CMUnitTest tests[] = { STORE_TESTS };
	int failed = cmocka_run_group_tests_name("store on SQLite", tests, sqlite_setup,
						 sqlite_teardown);
	failed += cmocka_run_group_tests_name("store on PostgreSQL", tests, pg_setup, pg_teardown);
	free(sqlite_dump);
	return failed;
}
