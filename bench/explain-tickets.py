#!/usr/bin/env python3
"""explain-tickets.py - the ticket queue / search query exactly as kefu runs it, in the sqlite3 CLI.

usage: bench/explain-tickets.py --db DB --as USERNAME [--status S] [--kind K] [--project ID]
           [--owner me|ID] [--unowned] [--overdue] [--q TEXT] [--limit 50] [--cursor ID]
           [--repeat 3] [--script]

The SQL is taken from the source, not copied: the macros of src/store/st-tickets.c
(TICKET_SELECT, TICKET_LIST, IN_DOCS, IN_DOCS2), st-search.h (SEARCH_SQL_*) and st-common.h
(PROJECT_VISIBLE) are expanded by the C compiler into the statement store_tickets_list() prepares
for these filters (staff or customer; FTS5 for 3+ characters of q, the instr() scan for fewer),
and its arguments are bound in the same order, as the caller USERNAME (role, user id and
customer from the users table), with now = the current time.

It then runs, in the sqlite3 CLI (the same SQLite kefu links, on this machine 3.40.1):
EXPLAIN QUERY PLAN, and the statement itself --repeat times with .timer on (rows to /dev/null),
and prints the plan, the row count and each run's time. --script prints the CLI script instead
(paste it into `sqlite3 DB` to try other shapes or indexes by hand).
"""

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCOPE = {"project": 1, "customer": 2}  # role_scope(): everyone else sees all (0)


def statements():
    """store_tickets_list()'s statements by search mode ("none", "fts", "uni", "scan", "trgm"),
    compiled from the source: the TICKET_* macros and the list_sql array of st-tickets.c."""
    src = open(os.path.join(ROOT, "src/store/st-tickets.c"), encoding="utf-8").read().splitlines()
    keep, state = [], None  # "macro": until a line without "\\" at its end; "block": until ";"
    for line in src:
        if state is None:
            if not line.startswith(("#define TICKET_", "enum ticket_search",
                                    "static const char *const list_sql")):
                continue
            state = "macro" if line.startswith("#") else "block"
        keep.append(line)
        end = line.rstrip()
        if (state == "macro" and not end.endswith("\\")) or (state == "block" and end.endswith(";")):
            state = None
    enum = next(x for x in keep if x.startswith("enum ticket_search"))
    names = [n.strip().lower()[3:] for n in enum[enum.index("{") + 1:enum.index("}")].split(",")]
    prog = ["#include <stdio.h>", '#include "st-common.h"', '#include "st-search.h"', *keep,
            "int main(void) {"]
    prog += [f'printf("{n} %s\\n", list_sql[{i}]);' for i, n in enumerate(names)]
    prog.append("return 0; }")
    with tempfile.TemporaryDirectory() as d:
        c, exe = os.path.join(d, "sql.c"), os.path.join(d, "sql")
        open(c, "w").write("\n".join(prog) + "\n")
        flags = subprocess.run(["pkg-config", "--cflags", "jansson", "sqlite3", "libpq"],
                               capture_output=True, text=True).stdout.split()
        subprocess.run(["cc", "-std=gnu11", "-w", f"-I{ROOT}/src/store", f"-I{ROOT}/src", *flags, c,
                        "-o", exe], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines())


CJK = re.compile("([\\u2e80-\\u9fff\\uf900-\\ufaff\\U00020000-\\U0003ffff])")


def phrase(column, s):
    """st_fts_phrase()"""
    return (f"{column} : " if column else "") + '"' + s.replace('"', '""') + '"'


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
    staff = role != "customer"
    scope = SCOPE.get(role, 0)
    owner = None
    if a.owner:
        owner = uid if a.owner == "me" else int(a.owner)
    # the mode and arguments as store_tickets_list() chooses and binds them (SQLite)
    mode, head = "none", []
    if a.q is not None:
        if len(a.q) >= 3:
            mode, head = "fts", [phrase(None if staff else "body", a.q)]
        elif CJK.search(a.q):
            mode, head = "uni", [phrase(None if staff else "grams", CJK.sub(r" \1 ", a.q))]
        else:
            mode, head = "scan", [a.q, int(staff), a.q]
    now = int(time.time())
    args = head + [scope, scope, uid, scope, cid or 0, a.status, a.status, a.kind, a.kind,
                   a.project, a.project, owner, owner, int(a.unowned), int(a.overdue), now, now,
                   a.cursor or (1 << 63) - 1, a.limit]
    sql = statements()[mode]
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
