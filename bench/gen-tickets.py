#!/usr/bin/env python3
"""gen-tickets.py - a large construction company for bench/tickets.sh: 2,000 projects, a few
hundred staff, their customers and 1,000,000 requests, complaints and repairs in Chinese.

usage: bench/gen-tickets.py --db PATH|postgresql://... [--tickets N] [--projects N] [--seed N]
                            [--kefu build/kefu]

It starts from `kefu init --db DB --demo` (run here when the database does not exist yet; an
existing database must hold the demo company and no tickets), so every user has the demo
password kefu-demo-2026 and `kefu token create USERNAME` works for any of them. Then it adds,
with plain SQL in large transactions, bypassing the application:

  customers, customer users, staff users (leader, cm, quality, business, safety, project),
  projects in every stage with their stage events and members (2-4 project-team users each,
  the first the manager), the projects' search documents;
  tickets whose whole life is simulated with the rules of src/core/ticket.c - created (by the
  customer on the portal, else by the staff member who recorded it and owns it), take, triage,
  confirm/decline, approve, assign, handover, resolve, verify, rate and comments (about a third
  internal), every step a ticket_events row in time order across all tickets; what has not
  happened yet by now (or never will: about 1.5 % of requests get stuck) leaves the ticket
  open in the state it reached;
  ticket numbers KF-YYYY-NNNNNN per year of receipt and ticket_counters to match;
  the search documents exactly as store_ticket_index() (src/store/st-tickets.c) writes them,
  in whichever layout the schema has: ticket_docs (one row per ticket, id = the ticket's id:
  body = number title description [location] [public comments], note = the internal
  comments, grams/note_grams = the same with every CJK character a word, as st_unigrams(),
  on both engines; from migration 008 the project's key word: project_key on SQLite, as
  SCOPE_KEY_SQLITE, and "kfp<id> " at the head of grams/note_grams on PostgreSQL; from
  SQLite's migration 010 the words of one project in ticket_scoped, as kefu_scoped_words(),
  the index then merged into one segment as the migration leaves it; PostgreSQL's migrations
  010 and 012 index its words of one project (and of one range of ids) over expressions,
  which need nothing written), or the
  older search_docs (kind 'ticket' = that body, kind
  'ticket_note' = the internal comments, in the order the application would have inserted
  them).

The rows do NOT go through the audit chain: `kefu audit verify` stops at the first generated
row ("customer 5: the stored row has no audit row (added behind kefu's back)") and exits 1 - it
is not meaningful on a generated database. Everything else (the API, tokens, sign-in) works as
on a real one.

SQLite: loads with journal_mode=OFF and synchronous=OFF, then puts the database back in WAL
mode; no ANALYZE (kefu never runs it, so the planner sees what production sees). The FTS5
tables are filled with one INSERT ... SELECT per batch (the schema's insert trigger is dropped
while loading and put back). Python generates in this process and a second one does the
SQLite work. PostgreSQL: writes COPY files into a temp dir and loads them with psql, then
rebuilds the GIN indexes (trigrams, the unigrams' and the words of one project's full text,
whatever pg_indexes lists),
resets the identity sequences and runs VACUUM (ANALYZE), as autovacuum would.
Needs psql.

Prints progress on stderr and one line GEN_RESULT key=value ... at the end.
"""

import argparse
import bisect
import calendar
import heapq
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import queue
import time

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vocab as V  # noqa: E402

DAY = 86400
HOUR = 3600
YEAR = 365 * DAY


def log(msg):
    print(f"gen: {msg}", file=sys.stderr, flush=True)


def epoch(y, m, d):
    return calendar.timegm((y, m, d, 0, 0, 0))


def date_of(t):
    return time.strftime("%Y-%m-%d", time.gmtime(t))


# st_unigrams() of src/store/st-search.c: every CJK character (its cjk() ranges) a word of its own
CJK = re.compile("([\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff])")


def unigrams(s):
    return CJK.sub(r" \1 ", s)


# st_scoped_words() of src/store/st-search.c (kefu_scoped_words() in SQL): in each run of CJK
# ideographs (its ideograph() ranges), every two in a row and the last alone, behind the key
IDEOGRAPHS = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")


def scoped_words(key, s):
    if key is None or s is None:
        return None
    out = []
    for run in IDEOGRAPHS.findall(s):
        out += [key + run[i:i + 2] for i in range(len(run))]
    return " ".join(out)


def project_key(pid):
    """The word only one project's documents hold: SCOPE_KEY_SQLITE in src/store/st-tickets.c."""
    return "".join(chr(0xF0000 + ((pid >> shift) & 0x7FFF)) for shift in (30, 15, 0))


def weighted(items, weight_index=1):
    """(values, cumulative weights) for rng.choices."""
    cum, s = [], 0.0
    for it in items:
        s += it[weight_index]
        cum.append(s)
    return list(items), cum


# ---------------------------------------------------------------------------------------------
# Sinks: where the rows go. Both take rows as tuples in the column order given.


# Where the tickets' search documents go, by schema: (table, its insert trigger, the FTS5
# tables it feeds: their columns, and the documents' values for them when not the same names).
# "ticket_docs": one row per ticket, id = the ticket's id (body, internal note, and both as
# unigrams); "search_docs": kinds 'ticket' and 'ticket_note'.
KEYED = [("ticket_fts", "body, note, project_key"),
         ("ticket_uni", "grams, note_grams, project_key")]
LAYOUTS = {
    "ticket_docs": ("ticket_docs", "ticket_docs_ai",
                    [("ticket_fts", "body, note"), ("ticket_uni", "grams, note_grams")]),
    # SQLite from migration 008: each document also holds its project's key
    "ticket_docs_keyed": ("ticket_docs", "ticket_docs_ai", KEYED),
    # ... and from 010 the words of its project (contentless: computed as the trigger does)
    "ticket_docs_scoped": ("ticket_docs", "ticket_docs_ai",
                           KEYED + [("ticket_scoped", "words, note_words",
                                     "kefu_scoped_words(project_key, body),"
                                     " kefu_scoped_words(project_key, note)")]),
    "search_docs": ("search_docs", "search_docs_ai", [("search_fts", "body")]),
}


class SqliteSink:
    engine = "sqlite"

    def layout_of(self):
        have = self.query("SELECT count(*) FROM sqlite_master WHERE name = 'ticket_docs'")[0][0]
        keyed = have and self.query("SELECT count(*) FROM pragma_table_info('ticket_docs')"
                                    " WHERE name = 'project_key'")[0][0]
        scoped = self.query("SELECT count(*) FROM sqlite_master WHERE name = 'ticket_scoped'")[0][0]
        self.layout = ("ticket_docs_scoped" if scoped else "ticket_docs_keyed" if keyed
                       else "ticket_docs" if have else "search_docs")
        return self.layout

    def __init__(self, path):
        import sqlite3

        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.spent = {}  # seconds per table
        self._pragmas()
        self.db.execute("BEGIN")

    def _pragmas(self):
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-1500000")  # 1.5 GB while loading
        self.db.execute("PRAGMA temp_store=MEMORY")

    def query(self, sql, args=()):
        assert self.proc is None
        return self.db.execute(sql, args).fetchall()

    # Once start_writer() has run, the rows go to a writer process over a pipe: SQLite's work
    # (most of it filling the FTS5 index) then runs on one core while Python generates the next
    # batch on the other. (A thread would not do: it waits for the generator's GIL on each row.)
    proc = None

    def start_writer(self):
        import multiprocessing

        self.db.execute("COMMIT")
        self.db.close()
        ctx = multiprocessing.get_context("fork")
        self.q = ctx.Queue(maxsize=6)
        self.proc = ctx.Process(target=self._writer, daemon=True)
        self.proc.start()

    def _writer(self):
        import sqlite3

        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.create_function("kefu_scoped_words", 2, scoped_words, deterministic=True)
        self._pragmas()
        # The schema's trigger indexes each document row in FTS5 as it is inserted, one
        # statement per row, and FTS5 writes its pending terms out at every statement: ~150 us
        # a document. One INSERT ... SELECT per batch instead lets FTS5 build segments of
        # many documents (~40 us a document); the trigger is put back at the end.
        docs, trigger_name, fts = LAYOUTS[self.layout]
        trigger = self.db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                                  " AND name = ?", (trigger_name,)).fetchone()[0]
        indexed = self.db.execute(f"SELECT max(id) FROM {docs}").fetchone()[0] or 0
        self.db.execute("BEGIN")
        self.db.execute(f"DROP TRIGGER {trigger_name}")
        while True:
            job = self.q.get()
            if job is None:
                break
            if job[0] == "commit":
                for table, cols, *values in fts:
                    t = time.time()
                    self.db.execute(f"INSERT INTO {table} (rowid, {cols})"
                                    f" SELECT id, {values[0] if values else cols} FROM {docs}"
                                    " WHERE id > ?", (indexed,))
                    self.spent[table] = self.spent.get(table, 0) + time.time() - t
                indexed = self.db.execute(f"SELECT max(id) FROM {docs}").fetchone()[0] or 0
                self._commit_begin()
            else:
                self._insert(*job[1:])
        self.db.execute(trigger)
        if self.layout == "ticket_docs_scoped":  # as migration 010 leaves it: one segment
            self.db.execute("INSERT INTO ticket_scoped (ticket_scoped) VALUES ('optimize')")
        self._commit()
        log("SQLite time by table: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.spent.items()))
        self.db.close()

    def _insert(self, table, cols, rows):
        t = time.time()
        marks = ",".join("?" * len(cols))
        names = ",".join(cols)
        if table == "tickets":
            # SQLite builds the lists of the table's CHECK (kind IN (...)) constraints once per
            # statement: one INSERT ... SELECT from a plain temp table is half the work of a
            # statement per row
            self.db.execute(f"CREATE TEMP TABLE IF NOT EXISTS load_{table} ({names})")
            self.db.executemany(f"INSERT INTO temp.load_{table} VALUES ({marks})", rows)
            self.db.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM temp.load_{table}")
            self.db.execute(f"DELETE FROM temp.load_{table}")
        else:
            self.db.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        self.spent[table] = self.spent.get(table, 0) + time.time() - t

    def _commit(self):
        t = time.time()
        self.db.execute("COMMIT")
        self.spent["commit"] = self.spent.get("commit", 0) + time.time() - t

    def _commit_begin(self):
        self._commit()
        self.db.execute("BEGIN")

    def _put(self, job):
        while True:
            try:
                self.q.put(job, timeout=1)
                return
            except queue.Full:
                if not self.proc.is_alive():
                    sys.exit(f"gen: the SQLite writer died (exit {self.proc.exitcode})")

    def insert(self, table, cols, rows):
        if not rows:
            return
        if self.proc:
            self._put(("insert", table, cols, list(rows)))
        else:
            self._insert(table, cols, rows)

    def commit_batch(self):
        if self.proc:
            self._put(("commit",))
        else:
            self._commit_begin()

    def abort(self):
        """After a failure in the generator: stop the writer without waiting for its queue."""
        if self.proc:
            self.q.cancel_join_thread()
            self.proc.terminate()
            self.proc.join()
            self.proc = None

    def finish(self):
        import sqlite3

        if self.proc:
            self._put(None)
            self.proc.join()
            if self.proc.exitcode != 0:
                sys.exit(f"gen: the SQLite writer failed (exit {self.proc.exitcode})")
            self.proc = None
            self.db = sqlite3.connect(self.path, isolation_level=None)
        else:
            self._commit()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.close()


class PgSink:
    """COPY text files per table, loaded with psql at the end."""

    engine = "postgresql"
    TABLES = ["customers", "users", "projects", "project_members", "stage_events", "tickets",
              "ticket_events", "ticket_assignees", "ticket_counters", "search_docs", "ticket_docs"]

    def layout_of(self):
        have = self.query("SELECT count(*) FROM pg_tables WHERE tablename = 'ticket_docs'")[0][0]
        self.layout = "ticket_docs" if have else "search_docs"
        return self.layout

    def __init__(self, uri):
        self.uri = uri
        self.dir = tempfile.mkdtemp(prefix="kefu-gen-pg.")
        self.files = {}
        self.cols = {}

    def query(self, sql, args=()):
        assert not args
        out = subprocess.run(["psql", self.uri, "-qAtX", "-F", "\t", "-c", sql], check=True,
                             capture_output=True, text=True).stdout
        rows = []
        for line in out.splitlines():
            rows.append(tuple(None if f == "" else int(f) if f.lstrip("-").isdigit() else f
                              for f in line.split("\t")))
        return rows

    @staticmethod
    def _field(v):
        if v is None:
            return "\\N"
        if isinstance(v, str):
            return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return str(v)

    def insert(self, table, cols, rows):
        if not rows:
            return
        f = self.files.get(table)
        if f is None:
            f = self.files[table] = open(os.path.join(self.dir, table + ".tsv"), "w", encoding="utf-8",
                                         buffering=1 << 20)
            self.cols[table] = cols
        assert self.cols[table] == cols
        fld = self._field
        f.write("".join("\t".join(map(fld, r)) + "\n" for r in rows))

    def exec(self, sql, args=()):
        raise NotImplementedError

    def commit_batch(self):
        pass

    def start_writer(self):
        pass

    def abort(self):
        pass

    def finish(self):
        for f in self.files.values():
            f.close()
        # the GIN indexes of the documents: dropped while loading, built once at the end
        gin = self.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN"
                         " ('search_docs', 'ticket_docs') AND indexdef LIKE '%USING gin%'")
        script = ["\\set ON_ERROR_STOP on", "SET maintenance_work_mem = '512MB';", "BEGIN;"]
        script += [f"DROP INDEX {name};" for name, _ in gin]
        for t in self.TABLES:
            if t in self.files:
                path = os.path.join(self.dir, t + ".tsv")
                script.append(f"\\copy {t} ({','.join(self.cols[t])}) FROM '{path}'")
        script += [f"{sql};" for _, sql in gin]
        for t in ["customers", "users", "projects", "stage_events", "tickets", "ticket_events",
                  "search_docs"]:
            script.append(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'),"
                          f" (SELECT max(id) FROM {t}));")
        script.append("COMMIT;")
        # what autovacuum does to freshly inserted rows: statistics, and the visibility map
        # that index-only scans need (009-overdue-by-project.sql)
        script.append("VACUUM (ANALYZE);")
        t0 = time.time()
        subprocess.run(["psql", self.uri, "-qX"], input="\n".join(script) + "\n", text=True,
                       check=True, stdout=subprocess.DEVNULL)
        log(f"psql COPY, GIN indexes and VACUUM (ANALYZE) took {time.time() - t0:.0f} s")
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------


class Company:
    def __init__(self, sink, n_projects, n_tickets, seed, now):
        self.s = sink
        self.rng = random.Random(seed)
        self.n_projects = n_projects
        self.n_tickets = n_tickets
        self.now = now
        self.start = epoch(2021, 1, 1)

    # ---- names ----
    def person(self):
        r = self.rng
        return r.choice(V.SURNAMES) + r.choice(V.GIVEN)

    # ---- what the demo company already holds ----
    def read_demo(self):
        s = self.s
        if s.query("SELECT count(*) FROM tickets")[0][0]:
            sys.exit("gen: the database has tickets already; start from an empty one")
        self.pw_hash = s.query("SELECT pw_hash FROM users WHERE username = 'cm'")[0][0]
        self.users = {}  # id -> (username, role, customer_id)
        for uid, uname, role, cid in s.query("SELECT id, username, role, customer_id FROM users"):
            self.users[uid] = (uname, role, cid)
        self.customers = [r[0] for r in s.query("SELECT id FROM customers ORDER BY id")]
        self.customer_names = dict(s.query("SELECT id, name FROM customers"))
        self.projects = []  # dicts
        for pid, code, cid, mgr, stage, cd, comp, wend, created in s.query(
                "SELECT id, code, customer_id, manager_id, stage, contract_date, completion_date,"
                " warranty_end_date, created_at FROM projects ORDER BY id"):
            def ep(d):
                return epoch(*map(int, d.split("-"))) if d else None
            self.projects.append(dict(id=pid, code=code, customer=cid, stage=stage, S=ep(cd),
                                      C=ep(comp), W=ep(wend), members=[]))
        for pid, uid in s.query("SELECT project_id, user_id FROM project_members"):
            self.project_by_id(pid)["members"].append(uid)
        self.max_ids = {t: s.query(f"SELECT COALESCE(max(id), 0) FROM {t}")[0][0]
                        for t in ("customers", "users", "projects", "stage_events", "search_docs")}
        self.codes = {p["code"] for p in self.projects}

    def project_by_id(self, pid):
        for p in self.projects:
            if p["id"] == pid:
                return p
        raise KeyError(pid)

    # ---- the organisation ----
    def make_org(self):
        r, s, now = self.rng, self.s, self.now
        n_new_projects = self.n_projects - len(self.projects)
        n_customers = max(1, round(n_new_projects / 2.85))
        # customers
        kinds, kcum = weighted(V.CUSTOMER_KINDS)
        rows, names = [], set(self.customer_names.values())
        cid = self.max_ids["customers"]
        cities = {}
        for _ in range(n_customers):
            cid += 1
            code, city, districts = r.choice(V.CITIES)
            d = r.choice(districts)
            for attempt in range(50):
                pat = r.choices(kinds, cum_weights=kcum)[0][0]
                name = (city if pat.startswith("{d}") else "") + pat.format(
                    d=d, b=r.choice(V.BRANDS), n=r.randint(1, 199))
                if attempt > 10:
                    name = f"{name}（{r.randint(2, 99)}）"
                if name not in names:
                    break
            names.add(name)
            contact = self.person()
            created = now - r.randint(200, 3600) * DAY
            rows.append((cid, name, contact, f"0{r.choice([10, 22, 311, 312, 316, 315])}-"
                         f"{r.randint(6000000, 8999999)}", f"kh{cid}@example.cn",
                         f"{city}{d}{r.choice(V.AREAS)}路{r.randint(1, 300)}号", created, created))
            self.customers.append(cid)
            self.customer_names[cid] = name
            cities[cid] = (code, city, d)
        s.insert("customers", ("id", "name", "contact", "phone", "email", "address", "created_at",
                               "updated_at"), rows)

        # staff and customer users (all with the demo password)
        uid = self.max_ids["users"]
        rows = []

        def add_user(username, role, name, customer=None):
            nonlocal uid
            uid += 1
            t = now - r.randint(100, 2000) * DAY
            rows.append((uid, username, name, role, customer, self.pw_hash, 1, t, t))
            self.users[uid] = (username, role, customer)
            return uid

        staff_counts = {"leader": 3, "cm": 24, "quality": 15, "business": 11, "safety": 9,
                        "project": 297}
        for role, n in staff_counts.items():
            for i in range(1, n + 1):
                add_user(f"{role}{i:03d}", role, self.person())
        # customer users: one per customer, a second for about a third of them
        self.customer_users = {c: [] for c in self.customers}
        for u, (uname, role, c) in list(self.users.items()):
            if role == "customer":
                self.customer_users[c].append(u)
        for c in self.customers:
            if c in cities or not self.customer_users[c]:
                self.customer_users[c].append(add_user(f"kh{c:04d}", "customer", self.person(), c))
                if c in cities and r.random() < 0.33:
                    self.customer_users[c].append(add_user(f"kh{c:04d}b", "customer", self.person(), c))
        s.insert("users", ("id", "username", "name", "role", "customer_id", "pw_hash", "active",
                           "created_at", "updated_at"), rows)
        self.by_role = {}
        for u, (uname, role, c) in self.users.items():
            self.by_role.setdefault(role, []).append(u)
        self.uname = {u: v[0] for u, v in self.users.items()}

        # projects: stage first, then the dates that put them there
        stages = [("pre_contract", 8), ("construction", 32), ("warranty", 35), ("post_warranty", 25)]
        svals, scum = weighted(stages)
        # customers' project counts: a few developers with many projects, most with 1-3
        cust_w = [r.lognormvariate(0, 1.0) for _ in self.customers]
        # demo customer 1 (the demo "customer" user) keeps a typical three projects
        demo_c1 = self.customers[0]
        pid = self.max_ids["projects"]
        prow, erow, mrow, drow = [], [], [], []
        eid = self.max_ids["stage_events"]
        demo_project_users = [u for u in self.by_role["project"] if self.uname[u] in
                              ("project", "zheng.kai", "wu.lei")]
        gen_project_users = [u for u in self.by_role["project"] if u not in demo_project_users]
        kinds, kcum = weighted(V.PROJECT_KINDS)
        new_projects = []
        for i in range(n_new_projects):
            pid += 1
            c = demo_c1 if i == 0 else r.choices(self.customers[1:], weights=cust_w[1:])[0]
            code_prefix, city, d = cities.get(c) or ("BJ", "北京市", r.choice(V.CITIES[0][2]))
            stage = r.choices(svals, cum_weights=scum)[0][0]
            S = C = W = None
            if stage == "construction":
                S = now - r.randint(30, 900) * DAY
            elif stage == "warranty":
                C = now - r.randint(7, 720) * DAY
                S = C - r.randint(430, 1100) * DAY
            elif stage == "post_warranty":
                W = now - r.randint(7, 1500) * DAY
                C = W - 730 * DAY
                S = C - r.randint(430, 1100) * DAY
            created = (S if S else now - r.randint(10, 360) * DAY) - r.randint(30, 200) * DAY
            year = time.gmtime(S if S else created).tm_year
            for attempt in range(1000):
                code = f"{code_prefix}-{year}-{r.randint(100, 999):03d}"
                if code not in self.codes:
                    break
            self.codes.add(code)
            pat = r.choices(kinds, cum_weights=kcum)[0][0]
            name = f"{d}{pat.format(a=r.choice(V.AREAS), n='一二三四五'[r.randint(0, 4)])}"
            members = r.sample(gen_project_users, r.randint(2, 4))
            p = dict(id=pid, code=code, customer=c, stage=stage, S=S, C=C, W=W, members=members)
            new_projects.append(p)
            for u in members:
                mrow.append((pid, u))
            prow.append((pid, code, name, c, members[0], stage, date_of(S) if S else None,
                         date_of(C) if C else None, date_of(W) if W else None, created,
                         max(t for t in (created, S, C, W) if t)))
            drow.append([pid, f"{code} {name} {self.customer_names[c]}"])
            # the stage events that moved it there, by the department owning the stage left
            prev = "pre_contract"
            for typ, t, to, by in (("contract_signed", S, "construction", r.choice(self.by_role["business"])),
                                   ("completion_filed", C, "warranty", members[0]),
                                   ("warranty_ended", W, "post_warranty", r.choice(self.by_role["cm"]))):
                if t is None:
                    break
                eid += 1
                erow.append((eid, pid, typ, date_of(t), None, prev, to, by, t + 10 * HOUR))
                prev = to
        # the demo project-team users work on about as many projects as the generated ones
        per_user = len(mrow) / max(1, len(gen_project_users))
        for u in demo_project_users:
            have = sum(1 for p in self.projects if u in p["members"])
            for p in r.sample(new_projects, max(0, round(per_user) - have)):
                p["members"].append(u)
                mrow.append((p["id"], u))
        self.projects.extend(new_projects)
        s.insert("projects", ("id", "code", "name", "customer_id", "manager_id", "stage",
                              "contract_date", "completion_date", "warranty_end_date",
                              "created_at", "updated_at"), prow)
        s.insert("project_members", ("project_id", "user_id"), mrow)
        s.insert("stage_events", ("id", "project_id", "type", "date", "note", "from_stage",
                                  "to_stage", "user_id", "created_at"), erow)
        did = self.max_ids["search_docs"]
        for d_ in drow:
            did += 1
            d_.insert(0, did)
        s.insert("search_docs", ("id", "entity_id", "body", "kind"),
                 [(a, b, c, "project") for a, b, c in drow])
        self.doc_id = did
        # who works on a project: its members, or the cm dept where it has none (the demo's
        # projects before the contract)
        self.project_members = {p["id"]: p["members"] or self.by_role["cm"] for p in self.projects}
        log(f"{len(self.customers)} customers, {len(self.users)} users "
            f"({sum(len(v) for k, v in self.by_role.items() if k != 'customer')} staff), "
            f"{len(self.projects)} projects, {len(mrow)} new memberships")

    # ---- tickets ----
    def plan(self):
        """(created_at, project) for every ticket, in time order."""
        r, now, start = self.rng, self.now, self.start
        windows = []
        for p in self.projects:
            if p["S"] is None:  # before the contract: a few questions and wishes
                lo, hi, w = max(start, now - 300 * DAY), now, 0.08
            else:
                lo = max(start, p["S"] - 60 * DAY)
                hi = min(now, (p["W"] + 540 * DAY) if p["W"] else now)
                w = 1.0
            if hi - lo < DAY:
                lo, hi, w = now - 30 * DAY, now, 0.02
            windows.append((p, lo, hi, w * r.lognormvariate(0, 0.7) * (hi - lo)))
        total = sum(w for *_, w in windows)
        counts = [int(self.n_tickets * w / total) for *_, w in windows]
        # hand the remainder to the largest shares
        rest = self.n_tickets - sum(counts)
        order = sorted(range(len(windows)), key=lambda i: -windows[i][3])
        for i in range(rest):
            counts[order[i % len(order)]] += 1
        plan = []
        hour = 3600
        for (p, lo, hi, _), n in zip(windows, counts):
            for _ in range(n):
                t = r.randint(lo, hi - hour)
                # office hours mostly: shift a night-time receipt into the day half the time
                hod = (t // hour + 8) % 24  # China time
                if hod < 7 and r.random() < 0.7:
                    t += (9 - hod) * hour
                plan.append((min(t, now - 60), p["id"]))
        plan.sort()
        return plan

    def stage_at(self, p, t):
        if p["S"] is None or t < p["S"]:
            return "pre_contract"
        if p["C"] is None or t < p["C"]:
            return "construction"
        if p["W"] is None or t < p["W"]:
            return "warranty"
        return "post_warranty"

    def generate(self):
        r, s, now = self.rng, self.s, self.now
        # random's choice/randint/choices are exact but slow; these are plenty for test data
        rand, gauss = r.random, r.gauss

        def choice(seq):
            return seq[int(rand() * len(seq))]

        def randint(a, b):
            return a + int(rand() * (b - a + 1))

        def two_of(seq):
            """one or two different items of seq"""
            i = int(rand() * len(seq))
            if len(seq) < 2 or rand() < 0.5:
                return [seq[i]]
            j = (i + 1 + int(rand() * (len(seq) - 1))) % len(seq)
            return [seq[i], seq[j]]

        year_starts = [epoch(y, 1, 1) for y in range(2000, 2101)]
        plan = self.plan()
        log(f"planned {len(plan)} tickets from {date_of(plan[0][0])} to {date_of(plan[-1][0])}")
        projects = {p["id"]: p for p in self.projects}
        cm_users = self.by_role["cm"]
        leaders = self.by_role["leader"]
        quality = self.by_role["quality"]
        safety = self.by_role["safety"]
        business = self.by_role["business"]

        kinds_by_stage = {
            "pre_contract": weighted([("inquiry", 70), ("special_request", 30)]),
            "construction": weighted([("complaint", 20), ("inquiry", 22), ("special_request", 14),
                                      ("suspension_claim", 9), ("environment_safety", 28), ("repair", 7)]),
            "warranty": weighted([("repair", 72), ("complaint", 14), ("inquiry", 10),
                                  ("special_request", 2), ("environment_safety", 2)]),
            "post_warranty": weighted([("repair", 55), ("inquiry", 28), ("complaint", 17)]),
        }
        channels = weighted([("portal", 40), ("phone", 30), ("visit", 12), ("email", 6),
                             ("meeting", 6), ("letter", 4), ("fax", 2)])
        defects = weighted(V.DEFECTS)
        envs = weighted(V.ENV_SAFETY)
        susp = weighted(V.SUSPENSION)
        inqs = weighted(V.INQUIRIES)
        specs = weighted(V.SPECIAL)
        n_comments = weighted([(0, 30), (1, 30), (2, 20), (3, 10), (4, 5), (5, 3), (6, 2)])

        def pick(w):
            vals, cum = w
            return vals[bisect.bisect(cum, rand() * cum[-1])]

        def fmt(text):
            if "{" not in text:
                return text
            return text.format(n=randint(2, 9), m=randint(1, 6) + randint(0, 9) / 10,
                               day=choice(V.DAYS), cause=choice(V.CAUSES), sub=choice(V.SUBS))

        def place(room=None):
            b = randint(1, 24)
            if room in ("地下车库", "设备间"):
                return f"地下车库B{randint(1, 3)}区{randint(1, 60)}号车位附近"
            if room in ("屋面", "顶层"):
                return f"{b}号楼屋面"
            if room in ("楼梯间", "走廊", "电梯厅", "管道井"):
                return f"{b}号楼{randint(1, 4)}单元{randint(1, 26)}层{room}"
            if room == "外墙":
                return f"{b}号楼{choice('东南西北')}立面{randint(2, 26)}层"
            return f"{b}号楼{randint(1, 4)}单元{randint(1, 26)}{randint(1, 4):02d}室"

        def texts(kind):
            """title, description, location"""
            if kind in ("repair", "complaint"):
                title, _, rooms, details = pick(defects)
                room = choice(rooms)
                loc = place(room)
                ds = two_of(details)
                prefix = "" if room in title or room in ("外墙", "屋面", "顶层") else room
                if kind == "complaint" and rand() < 0.5:
                    title = f"{title}多次报修未解决"
                desc = (f"{choice(V.REPORTERS)}反映：{choice(V.WHEN)}发现{loc}{prefix}{title}，"
                        f"{'，'.join(fmt(d) for d in ds)}，{choice(V.IMPACTS)}，{choice(V.ASKS)}。")
                x = rand()
                if x < 0.3:
                    desc += f"此前已于{date_of(now - randint(30, 700) * DAY)}报修过一次。"
                elif x < 0.7:
                    desc += f"联系人：{choice(V.SURNAMES)}{choice(('先生', '女士', '工'))}，电话13{randint(100000000, 999999999)}。"
                return title, desc, (loc if rand() < 0.7 else None)
            if kind == "environment_safety":
                title, _, details = pick(envs)
                desc = (f"周边居民反映：{choice(V.WHEN)}{title}，{choice(details)}，"
                        f"{choice(details)}，请立即整改。")
                return title, desc, (f"{randint(1, 24)}号楼施工现场" if rand() < 0.5 else None)
            if kind == "suspension_claim":
                cause = pick(susp)[0]
                n = randint(2, 40)
                title = f"因{cause}停工{n}天工期索赔"
                desc = (f"{date_of(now - randint(5, 900) * DAY)}起因{cause}停工{n}天，"
                        f"人员及机械窝工，申请顺延工期{n}天并补偿窝工损失，附停工记录及监理签证。")
                return title, desc, None
            if kind == "inquiry":
                title, _, q = pick(inqs)
                return title, f"{choice(V.REPORTERS)}来电咨询：{q}。请{choice(['书面', '电话', '当面'])}答复。", None
            title, _, d = pick(specs)
            return title, f"{d}，请项目部评估可行性并答复。", (place() if rand() < 0.4 else None)

        def staff_for(p, kind):
            if kind == "environment_safety" and rand() < 0.5:
                return choice(safety)
            if rand() < 0.65:
                return choice(self.project_members[p["id"]])
            return choice(cm_users)

        def customer_of(p):
            return choice(self.customer_users[p["customer"]])

        def delay(median_h, sigma=0.9):
            return int(median_h * HOUR * math.exp(sigma * gauss(0.0, 1.0)))

        layout = s.layout
        log(f"search documents: {layout}")
        heap = []  # (at, seq, kind, row)
        seq = 0
        ev_id = 0
        doc_id = self.doc_id
        counters = {}
        t_rows, e_rows, a_rows, d_rows = [], [], [], []
        stats = {"events": 0, "comments": 0, "internal": 0, "docs": 0, "notes": 0}
        status_count = {}
        t_cols = ("id", "number", "project_id", "kind", "title", "description", "channel",
                  "location", "required_by", "status", "scope", "owner_id", "created_by",
                  "response_due", "responded_at", "resolved_at", "closed_at", "satisfaction",
                  "improvement_needs", "created_at", "updated_at")
        e_cols = ("id", "ticket_id", "action", "user_id", "at", "text", "internal", "data")
        t_start = time.time()
        batch = 50000

        def flush(upto):
            nonlocal ev_id, doc_id
            while heap and heap[0][0] < upto:
                at, _, what, row = heapq.heappop(heap)
                if what == 0:
                    ev_id += 1
                    e_rows.append((ev_id,) + row)
                else:
                    doc_id += 1
                    d_rows.append((doc_id,) + row)

        def write():
            s.insert("tickets", t_cols, t_rows)
            s.insert("ticket_events", e_cols, e_rows)
            s.insert("ticket_assignees", ("ticket_id", "user_id"), a_rows)
            if layout in ("ticket_docs_keyed", "ticket_docs_scoped"):
                s.insert("ticket_docs", ("id", "body", "note", "grams", "note_grams",
                                         "project_key"), d_rows)
            elif layout == "ticket_docs":
                s.insert("ticket_docs", ("id", "body", "note", "grams", "note_grams"), d_rows)
            else:
                s.insert("search_docs", ("id", "kind", "entity_id", "body"), d_rows)
            stats["events"] += len(e_rows)
            stats["docs"] += len(d_rows)
            t_rows.clear(), e_rows.clear(), a_rows.clear(), d_rows.clear()
            s.commit_batch()

        for tid, (t0, pid) in enumerate(plan, 1):
            flush(t0)
            p = projects[pid]
            stage = self.stage_at(p, t0)
            kind = pick(kinds_by_stage[stage])[0]
            channel = pick(channels)[0]
            if kind == "suspension_claim":
                channel = choice(("letter", "meeting", "email"))
            title, desc, loc = texts(kind)
            year = 1999 + bisect.bisect(year_starts, t0)
            counters[year] = counters.get(year, 0) + 1
            number = f"KF-{year}-{counters[year]:06d}"
            by_customer = channel == "portal"
            creator = customer_of(p) if by_customer else staff_for(p, kind)
            owner = None if by_customer else creator
            responded = None if by_customer else t0
            clock = kind == "complaint" or (kind == "repair" and stage == "warranty")
            response_due = t0 + 24 * HOUR if clock else None
            required_by = t0 + randint(2, 30) * DAY if rand() < (0.2 if by_customer else 0.08) else None
            status, scope, resolved, closed, satisfaction, improvement = "new", None, None, None, None, 0
            assignees = []
            ev = [(t0, "created", creator, None, 0, '{"channel":"%s"}' % channel)]
            # The steps, each after the one before; the life stops at the first step not yet
            # due by now, or where a stuck request stops.
            stuck_after = randint(0, 6) if rand() < 0.015 else 99
            t = t0
            step = 0
            alive = True

            def due(dt):
                nonlocal t, step, alive
                if not alive:
                    return False
                if t + dt > now or step >= stuck_after:
                    alive = False
                    return False
                t += dt
                step += 1
                return True

            if by_customer and due(delay(3)):
                owner = staff_for(p, kind)
                responded = t
                ev.append((t, "take", owner, None, 0, "{}"))
            if owner and due(delay(1.5)):
                x = rand()
                out_p = 0.55 if stage == "post_warranty" and kind == "repair" else 0.1
                if kind in ("inquiry", "environment_safety", "suspension_claim"):
                    out_p = 0.0
                if x < 0.04 and kind != "suspension_claim":
                    scope, text = "cannot_handle", choice(V.TRIAGE_CANNOT)
                    status, closed = "closed", t
                elif x < 0.04 + out_p:
                    scope, text, status = "out_of_contract", choice(V.TRIAGE_OUT), "awaiting_customer"
                else:
                    scope, text = "in_contract", choice(V.TRIAGE_IN)
                    status = "awaiting_approval" if kind == "special_request" else "in_progress"
                responded = responded or t
                ev.append((t, "triage", owner, text, 0, '{"scope":"%s"}' % scope))
            if status == "awaiting_customer" and due(delay(40)):
                yes = rand() < 0.7
                if rand() < 0.75:
                    ev.append((t, "confirm" if yes else "decline", customer_of(p), None, 0, "{}"))
                else:
                    ev.append((t, "confirm" if yes else "decline", owner, None, 0,
                               '{"evidence":"%s"}' % choice(V.EVIDENCE)))
                if yes:
                    status = "awaiting_approval" if kind == "special_request" else "in_progress"
                else:
                    status, closed = "closed", t
            if status == "awaiting_approval" and due(delay(24)):
                yes = rand() < 0.85
                ev.append((t, "approve", choice(leaders), choice(V.APPROVE_NOTES) if yes else
                           choice(V.REJECT_NOTES), 0, '{"decision":"%s"}' % ("approve" if yes else "reject")))
                if yes:
                    status = "in_progress"
                else:
                    status, closed = "closed", t
            if status == "in_progress" and rand() < 0.15 and due(delay(6)):
                members = [u for u in self.project_members[pid] if u != owner] or [choice(cm_users)]
                assignees = sorted(r.sample(members, min(len(members), randint(1, 2))))
                ev.append((t, "assign", owner, None, 0, '{"user_ids":[%s]}' % ",".join(map(str, assignees))))
            if status == "in_progress" and rand() < 0.03 and due(delay(12)):
                to = staff_for(p, kind)
                if to != owner:
                    ev.append((t, "handover", owner, None, 0,
                               '{"note":"%s","to_user_id":%d}' % (choice(V.HANDOVER_REASONS), to)))
                    owner = to
            rounds = 0
            while status == "in_progress" and rounds < 3:
                rounds += 1
                if not due(delay(72 if kind == "repair" else 30)):
                    break
                who = owner if not assignees or rand() < 0.7 else choice(assignees)
                ev.append((t, "resolve", who, fmt(choice(V.RESOLVE)), 0, "{}"))
                resolved = t
                status = "awaiting_verification" if kind == "repair" else "resolved"
                if status == "awaiting_verification" and due(delay(36)):
                    ok = rand() < 0.92 or rounds > 1
                    # the data as the application stores it: compact JSON, keys sorted
                    data = '{"result":"%s"}' % ("pass" if ok else "fail")
                    if rand() < 0.3:
                        data = '{"note":"%s",%s' % ("复查合格" if ok else "仍有渗水，需返工", data[1:])
                    ev.append((t, "verify", choice(quality), None, 0, data))
                    if ok:
                        status = "resolved"
                    else:
                        status, resolved = "in_progress", None
                        continue
                if status == "resolved" and rand() < 0.93 and due(delay(48)):
                    x = rand()
                    sat = "satisfied" if x < 0.78 or rounds > 1 else "average" if x < 0.95 else "unsatisfied"
                    data = '"satisfaction":"%s"' % sat
                    if rand() < 0.6:
                        rater = customer_of(p)
                    else:
                        rater = owner
                        data += ',"source":"%s"' % choice(("phone", "visit", "email"))
                    if sat == "unsatisfied":
                        data = '"improvement_need":true,' + data
                    ev.append((t, "rate", rater, choice(V.RATE_COMMENTS), 0, "{" + data + "}"))
                    satisfaction = sat
                    if sat == "unsatisfied":
                        status, resolved, improvement = "in_progress", None, improvement + 1
                    else:
                        status, closed = "closed", t
            # comments, over the life so far (an open request: up to now)
            end = t if status == "closed" else min(now, t + 20 * DAY)
            end = max(end, t0 + 60)
            k = pick(n_comments)[0]
            for _ in range(k):
                at = randint(t0 + 30, end)
                if rand() < 0.33:
                    ev.append((at, "comment", owner or choice(cm_users), fmt(choice(V.COMMENT_INTERNAL)), 1, "{}"))
                elif rand() < 0.45:
                    ev.append((at, "comment", customer_of(p), fmt(choice(V.COMMENT_CUSTOMER)), 0, "{}"))
                else:
                    ev.append((at, "comment", owner or choice(self.project_members[pid]),
                               fmt(choice(V.COMMENT_STAFF)), 0, "{}"))
            ev.sort(key=lambda e: e[0])
            updated = ev[-1][0]
            public = [e[3] for e in ev if e[1] == "comment" and not e[4]]
            internal = [(e[0], e[3]) for e in ev if e[1] == "comment" and e[4]]
            stats["comments"] += len(public) + len(internal)
            stats["internal"] += len(internal)
            status_count[status] = status_count.get(status, 0) + 1

            t_rows.append((tid, number, pid, kind, title, desc, channel, loc, required_by, status,
                           scope, owner, creator, response_due, responded, resolved, closed,
                           satisfaction, improvement, t0, updated))
            for u in assignees:
                a_rows.append((tid, u))
            for at, action, user, text, internal_, data in ev:
                seq += 1
                heapq.heappush(heap, (at, seq, 0, (tid, action, user, at, text, internal_, data)))
            body = f"{number} {title} {desc}" + (f" {loc}" if loc else "") + \
                   (" " + " ".join(public) if public else "")
            if layout.startswith("ticket_docs"):
                # store_ticket_index(): one row, id = the ticket's id
                note = " ".join(x for _, x in internal) if internal else None
                # PostgreSQL's grams begin with the project's key word (SCOPE_KEY_PG)
                key = f"kfp{pid} " if s.engine == "postgresql" else ""
                row = (tid, body, note, key + unigrams(body), key + unigrams(note) if note else None)
                d_rows.append(row + (project_key(pid),) if layout != "ticket_docs" else row)
                stats["notes"] += note is not None
            else:
                # the ticket's document when it is created ...
                seq += 1
                heapq.heappush(heap, (t0, seq, 1, ("ticket", tid, body)))
                # ... and its internal notes' document at the first internal comment
                if internal:
                    seq += 1
                    stats["notes"] += 1
                    heapq.heappush(heap, (internal[0][0], seq, 1,
                                          ("ticket_note", tid, " ".join(x for _, x in internal))))
            if tid % batch == 0:
                write()
                el = time.time() - t_start
                log(f"{tid} tickets ({tid / el:.0f}/s), {stats['events']} events, "
                    f"{stats['docs']} documents, {el:.0f} s")
        flush(now + 10 * YEAR)
        write()
        s.insert("ticket_counters", ("year", "last"), sorted(counters.items()))
        s.commit_batch()
        self.stats = stats
        self.status_count = status_count
        self.counters = counters


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="SQLite file or postgresql:// URI")
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--projects", type=int, default=2000, help="projects in all, the demo's six included")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--kefu", default=os.environ.get("KEFU_BIN", "build/kefu"))
    a = ap.parse_args()
    t0 = time.time()
    pg = a.db.startswith(("postgresql://", "postgres://"))
    fresh = pg or not os.path.exists(a.db)
    if fresh:
        # init is idempotent and adds the demo company only to an empty database
        subprocess.run([a.kefu, "init", "--db", a.db, "--demo"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sink = PgSink(a.db) if pg else SqliteSink(a.db)
    c = Company(sink, a.projects, a.tickets, a.seed, int(time.time()))
    sink.layout_of()
    c.read_demo()
    c.make_org()
    sink.commit_batch()
    sink.start_writer()
    try:
        c.generate()
    except BaseException:
        sink.abort()
        raise
    t_gen = time.time()
    log("finishing (commit, WAL mode)" if not pg else "loading into PostgreSQL")
    sink.finish()
    el = time.time() - t0
    st = c.stats
    log(f"done in {el:.0f} s: {a.tickets} tickets, {st['events']} events "
        f"({st['comments']} comments, {st['internal']} internal), {st['docs']} search documents "
        f"({st['notes']} internal-note documents)")
    log("statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(c.status_count.items(), key=lambda x: -x[1])))
    size = os.path.getsize(a.db) if not pg else 0
    print(f"GEN_RESULT engine={sink.engine} tickets={a.tickets} projects={len(c.projects)}"
          f" users={len(c.users)} events={st['events']} comments={st['comments']}"
          f" internal={st['internal']} docs={st['docs']} seconds={el:.0f}"
          f" load_seconds={el - (t_gen - t0):.0f} bytes={size}")


if __name__ == "__main__":
    main()
