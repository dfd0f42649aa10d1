/*
 * test-jobs.c - a scheduled job runs once per cluster: while one server holds a job, another
 * server's attempt is skipped (PostgreSQL advisory lock); on SQLite the one server runs it.
 * The PostgreSQL half runs when KEFU_TEST_PG names a server (scripts/check.sh starts one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "jobs/jobs.h"
#include "store/db.h"

struct run {
	struct db *other; /* a second server's connection, tried while the job runs */
	const char *name;
	int runs;
	int nested; /* what the other server's attempt returned */
};

static int nested_job(struct db *db, void *arg)
{
	(void)db;
	((struct run *)arg)->runs++;
	return 0;
}

static int job(struct db *db, void *arg)
{
	(void)db;
	struct run *r = arg;
	r->runs++;
	if (r->other)
		r->nested = jobs_run_once(r->other, r->name, nested_job, r);
	return 0;
}

static struct db *open_or_fail(const char *uri)
{
	struct db *db = NULL;
	struct kf_error err = { 0 };
	if (db_open(uri, &db, &err) < 0)
		fail_msg("db_open %s: %s", uri, err.message);
	return db;
}

static void test_sqlite_always_runs(void **state)
{
	(void)state;
	char path[] = "/tmp/kefu-jobs-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct db *a = open_or_fail(path), *b = open_or_fail(path);
	struct run r = { .other = b, .name = "due-checks" };
	assert_int_equal(jobs_run_once(a, r.name, job, &r), 0);
	/* One server per SQLite file: nothing to exclude, both calls run. */
	assert_int_equal(r.runs, 2);
	assert_int_equal(r.nested, 0);
	db_close(a);
	db_close(b);
	unlink(path);
	char side[64];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static void test_postgres_once_per_cluster(void **state)
{
	(void)state;
	const char *uri = getenv("KEFU_TEST_PG");
	if (!uri || !*uri)
		skip();
	struct db *a = open_or_fail(uri), *b = open_or_fail(uri);
	struct run r = { .other = b, .name = "overdue-tickets" };
	assert_int_equal(jobs_run_once(a, r.name, job, &r), 0);
	/* b tried while a held the job: skipped (1), and its function never ran. */
	assert_int_equal(r.nested, 1);
	assert_int_equal(r.runs, 1);

	/* Released when done: now b runs it; another job name is independent. */
	struct run r2 = { .other = NULL, .name = "overdue-tickets" };
	assert_int_equal(jobs_run_once(b, r2.name, job, &r2), 0);
	assert_int_equal(r2.runs, 1);
	struct run r3 = { .other = b, .name = "bulletin" };
	assert_int_equal(jobs_run_once(a, r3.name, job, &r3), 0);
	assert_int_equal(r3.nested, 1);
	db_close(a);
	db_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_always_runs),
		cmocka_unit_test(test_postgres_once_per_cluster),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
