#!/usr/bin/env python3
"""explain-tickets.py - the ticket queue / search query exactly as kefu runs it, in the sqlite3 CLI.

usage: bench/explain-tickets.py --db DB --as USERNAME [--status S] [--kind K] [--project ID]
           [--owner me|ID] [--unowned] [--overdue] [--q TEXT] [--limit 50] [--cursor ID]
           [--repeat 3] [--script]

The SQL is kefu's own, not copied: a small C program linked with the release build's objects
(`make build/kefu` first) calls store_tickets_statement(), which composes the statement and
arguments store_tickets_list() runs, for these filters and the caller USERNAME (role, user id
and customer from the users table), with now = the current time, and prints them.

It then runs, in the sqlite3 CLI (the same SQLite kefu links, on this machine 3.40.1):
EXPLAIN QUERY PLAN, and the statement itself --repeat times with .timer on (rows to /dev/null),
and prints the plan, the row count and each run's time. --script prints the CLI script instead
(paste it into `sqlite3 DB` to try other shapes or indexes by hand).
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "store/store.h"

int main(int argc, char **argv)
{
	/* db role user_id customer_id now status kind project owner unowned overdue q cursor limit */
	struct db *db;
	struct kf_error err = { 0 };
	if (argc != 15 || db_open(argv[1], &db, &err) < 0)
		return 2;
	struct actor who = { .role = role_parse(argv[2]), .user_id = atoll(argv[3]),
			     .customer_id = atoll(argv[4]) };
#define S(i) (*argv[i] ? argv[i] : NULL)
	struct ticket_filter f = { .status = S(6), .kind = S(7), .project_id = atoll(argv[8]),
				   .owner_id = atoll(argv[9]), .unowned = atoi(argv[10]),
				   .overdue = atoi(argv[11]), .q = S(12), .before_id = atoll(argv[13]),
				   .limit = atoi(argv[14]) };
	struct ticket_statement q;
	store_tickets_statement(db, &who, &f, atoll(argv[5]), &q);
	printf("%s\n", q.sql);
	for (struct db_val *v = q.args; v->t != DBV_END; v++)
		if (v->t == DBV_INT)
			printf("i%lld\n", (long long)v->i);
		else if (v->t == DBV_TEXT)
			printf("t%s\n", v->s);
		else
			printf("n\n");
	store_tickets_statement_release(&q);
	db_close(db);
	return 0;
}
"""


def statement(db, role, uid, cid, now, a, owner):
    """(sql, args) from store_tickets_statement() in the release build's objects."""
    objs = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(ROOT, "build/obj"))
            for f in fs if f.endswith(".o") and not dp.endswith("/cli")]
    if not objs:
        sys.exit("no build/obj: run `make build/kefu` first")
    pkgs = ["libevent", "libevent_pthreads", "jansson", "sqlite3", "libsodium", "libpq"]
    cflags = subprocess.run(["pkg-config", "--cflags", *pkgs], capture_output=True,
                            text=True).stdout.split()
    libs = subprocess.run(["pkg-config", "--libs", *pkgs], capture_output=True,
                          text=True).stdout.split()
    with tempfile.TemporaryDirectory() as d:
        c, exe = os.path.join(d, "driver.c"), os.path.join(d, "driver")
        open(c, "w").write(DRIVER)
        subprocess.run(["cc", "-std=gnu11", "-D_GNU_SOURCE", f"-I{ROOT}/src", *cflags, c, *objs,
                        *libs, "-lpthread", "-o", exe], check=True)
        argv = [exe, db, role, str(uid), str(cid or 0), str(now),
                a.status or "", a.kind or "", str(a.project or 0), str(owner or 0),
                str(int(a.unowned)), str(int(a.overdue)), a.q or "", str(a.cursor or 0),
                str(a.limit)]
        out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    lines = out.split("\n")
    args = []
    for x in lines[1:]:
        if x:
            args.append(int(x[1:]) if x[0] == "i" else x[1:] if x[0] == "t" else None)
    return lines[0], args


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--as", dest="user", required=True, help="username of the caller")
    ap.add_argument("--status")
    ap.add_argument("--kind")
    ap.add_argument("--project", type=int)
    ap.add_argument("--owner")
    ap.add_argument("--unowned", action="store_true")
    ap.add_argument("--overdue", action="store_true")
    ap.add_argument("--q")
    ap.add_argument("--limit", type=int, default=50)
    ap.add_argument("--cursor", type=int)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--script", action="store_true", help="print the sqlite3 script, do not run it")
    a = ap.parse_args()

    db = sqlite3.connect(a.db)
    row = db.execute("SELECT id, role, customer_id FROM users WHERE username = ?", (a.user,)).fetchone()
    if not row:
        sys.exit(f"no user {a.user}")
    db.close()
    uid, role, cid = row
    owner = None
    if a.owner:
        owner = uid if a.owner == "me" else int(a.owner)
    sql, args = statement(a.db, role, uid, cid, int(time.time()), a, owner)
    assert sql.count("?") == len(args), (sql.count("?"), len(args))

    lines = [".timeout 10000"] + [f".parameter set ?{i} {lit(v)}" for i, v in enumerate(args, 1)]
    lines += [f"-- caller {a.user} ({role}, user {uid}, customer {cid}); {len(args)} arguments",
              "EXPLAIN QUERY PLAN " + sql + ";",
              f"SELECT 'rows: ' || count(*) FROM ({sql});", ".timer on", ".output /dev/null"]
    lines += [sql + ";"] * a.repeat
    script = "\n".join(lines) + "\n"
    if a.script:
        sys.stdout.write(script)
        return
    out = subprocess.run(["sqlite3", "-batch", a.db], input=script, text=True, capture_output=True)
    sys.stdout.write(out.stdout)
    sys.stderr.write(out.stderr)


if __name__ == "__main__":
    main()
