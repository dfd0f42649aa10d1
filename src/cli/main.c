/* main.c - the kefu command: one table row per command, one function each */
#include "../app/app.h"
#include "../core/settings.h"
#include "../http/server.h"
#include "../lib/buf.h"
#include "../store/files.h"
#include "../store/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_DB "var/kefu.db"
#define DEFAULT_LISTEN "127.0.0.1:8080"

struct cmd {
	const char *name;  /* "user add" for two-word commands */
	const char *usage; /* after the name */
	const char *help;
	int (*fn)(int argc, char **argv);
};

static const struct cmd *current;

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kefu: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: kefu %s %s\n", current->name, current->usage);
	return 2;
}

static void print_help(const struct cmd *c)
{
	printf("usage: kefu %s %s\n\n%s\n", c->name, c->usage, c->help);
}

static const char *default_db(void)
{
	const char *e = getenv("KEFU_DB");
	return e && *e ? e : DEFAULT_DB;
}

/*
 * Parse the options common to every command. opts lists the long options this command
 * takes beyond --db and --help; each accepted option is reported through on_opt. Returns
 * the index of the first operand, or -1 (exit 2) / -2 (help printed, exit 0).
 */
struct optctx {
	const char *db;
	const char *config; /* settings file, or NULL for the defaults */
	void *data;
};
typedef int (*opt_fn)(struct optctx *o, int id, const char *arg);

static int parse_opts(int argc, char **argv, const struct option *extra, struct optctx *o,
		      opt_fn on_opt)
{
	struct option opts[16];
	int n = 0;
	opts[n++] = (struct option){ "db", required_argument, NULL, 'd' };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[n++] = (struct option){ "config", required_argument, NULL, 'C' };
	for (; extra && extra->name && n < 15; extra++)
		opts[n++] = *extra;
	opts[n] = (struct option){ 0, 0, 0, 0 };
	o->db = default_db();
	o->config = getenv("KEFU_CONFIG") && *getenv("KEFU_CONFIG") ? getenv("KEFU_CONFIG") : NULL;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			o->db = optarg;
		} else if (c == 'C') {
			o->config = optarg;
		} else if (c == 'h') {
			print_help(current);
			return -2;
		} else if (c == '?' || c == ':') {
			usage_error("bad option '%s'", argv[optind - 1]);
			return -1;
		} else if (!on_opt || on_opt(o, c, optarg) < 0) {
			return -1;
		}
	}
	return optind;
}

/* Put the settings file path (if any) in force; false with a message naming what is wrong. */
static bool load_settings(const char *path)
{
	if (!path)
		return true;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "kefu: cannot read settings '%s': %s\n", path, strerror(errno));
		return false;
	}
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (1 << 20))
		buf_add(&b, chunk, n);
	bool ok = !ferror(f);
	fclose(f);
	struct settings s;
	struct kf_error err = { 0 };
	if (ok && settings_parse(b.s, b.len, &s, &err) < 0) {
		fprintf(stderr, "kefu: %s: %s\n", path, err.message);
		ok = false;
	} else if (ok) {
		app_settings_use(&s);
	} else {
		fprintf(stderr, "kefu: cannot read settings '%s'\n", path);
	}
	buf_release(&b);
	return ok;
}

static struct db *open_db(const char *uri)
{
	struct db *db = NULL;
	struct kf_error err = { 0 };
	if (db_open(uri, &db, &err) < 0) {
		fprintf(stderr, "kefu: %s\n", err.message);
		return NULL;
	}
	return db;
}

/* Open and make sure the schema is current (every command but init expects it). */
static struct db *open_ready(const char *uri)
{
	struct db *db = open_db(uri);
	struct kf_error err = { 0 };
	if (db && app_init(db, false, time(NULL), &err) < 0) {
		fprintf(stderr, "kefu: %s\n", err.message);
		db_close(db);
		return NULL;
	}
	return db;
}

static void ensure_parent_dir(const char *path)
{
	/* A default path under var/ should just work on a fresh clone. */
	if (!strncmp(path, "var/", 4))
		(void)system("mkdir -p var");
}

/* ---- kefu init ---- */

static int init_opt(struct optctx *o, int id, const char *arg)
{
	(void)arg;
	if (id == 'D')
		*(bool *)o->data = true;
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	bool demo = false;
	struct optctx o = { .data = &demo };
	static const struct option extra[] = { { "demo", no_argument, NULL, 'D' }, { 0 } };
	int i = parse_opts(argc, argv, extra, &o, init_opt);
	if (i < 0)
		return i == -2 ? 0 : 2;
	if (i < argc)
		return usage_error("unexpected argument '%s'", argv[i]);
	ensure_parent_dir(o.db);
	struct db *db = open_db(o.db);
	if (!db)
		return 1;
	struct kf_error err = { 0 };
	int rc = app_init(db, demo, time(NULL), &err);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "kefu: init failed: %s\n", err.message);
		return 1;
	}
	if (demo && rc == 1)
		fprintf(stderr, "kefu: %s is not empty; demo data not added\n", o.db);
	else if (demo)
		fprintf(stderr, "kefu: demo company added to %s\n", o.db);
	return 0;
}

/* ---- kefu serve ---- */

static int serve_opt(struct optctx *o, int id, const char *arg)
{
	struct server_config *cfg = o->data;
	if (id == 'l') {
		cfg->listen = arg;
	} else if (id == 'F') {
		cfg->files = arg;
	} else if (id == 'T') {
		cfg->loops = atoi(arg);
		if (cfg->loops < 1 || cfg->loops > 16)
		{
			usage_error("--threads wants 1..16, not '%s'", arg);
			return -1;
		}
	}
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	struct server_config cfg = { .listen = getenv("KEFU_LISTEN") ? getenv("KEFU_LISTEN")
								    : DEFAULT_LISTEN };
	struct optctx o = { .data = &cfg };
	static const struct option extra[] = { { "listen", required_argument, NULL, 'l' },
					       { "threads", required_argument, NULL, 'T' },
					       { "files", required_argument, NULL, 'F' },
					       { 0 } };
	int i = parse_opts(argc, argv, extra, &o, serve_opt);
	if (i < 0)
		return i == -2 ? 0 : 2;
	if (i < argc)
		return usage_error("unexpected argument '%s'", argv[i]);
	cfg.db_uri = o.db;
	if (!load_settings(o.config))
		return 1;
	char files[4096];
	if (!cfg.files)
		cfg.files = getenv("KEFU_FILES") && *getenv("KEFU_FILES") ? getenv("KEFU_FILES") : NULL;
	if (!cfg.files) {
		files_default_dir(o.db, files, sizeof(files));
		cfg.files = files;
	}
	struct kf_error ferr = { 0 };
	if (files_init(cfg.files, &ferr) < 0) {
		fprintf(stderr, "kefu: %s\n", ferr.message);
		return 1;
	}
	struct db *db = open_ready(o.db);
	if (!db)
		return 1;
	db_close(db);
	return server_run(&cfg);
}

/* ---- kefu user add ---- */

struct user_opts {
	const char *role, *name;
	int64_t customer;
	int64_t projects[64];
	size_t nprojects;
};

static int user_opt(struct optctx *o, int id, const char *arg)
{
	struct user_opts *u = o->data;
	char *end;
	long long v;
	switch (id) {
	case 'r':
		u->role = arg;
		return 0;
	case 'n':
		u->name = arg;
		return 0;
	case 'c':
	case 'p':
		v = strtoll(arg, &end, 10);
		if (*end || v <= 0)
		{
			usage_error("'%s' is not an id", arg);
			return -1;
		}
		if (id == 'c')
			u->customer = v;
		else if (u->nprojects < ARRAY_SIZE(u->projects))
			u->projects[u->nprojects++] = v;
		return 0;
	}
	return -1;
}

static void chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

static int cmd_user_add(int argc, char **argv)
{
	struct user_opts u = { 0 };
	struct optctx o = { .data = &u };
	static const struct option extra[] = { { "role", required_argument, NULL, 'r' },
					       { "name", required_argument, NULL, 'n' },
					       { "customer", required_argument, NULL, 'c' },
					       { "project", required_argument, NULL, 'p' },
					       { 0 } };
	int i = parse_opts(argc, argv, extra, &o, user_opt);
	if (i < 0)
		return i == -2 ? 0 : 2;
	if (i != argc - 1)
		return usage_error("%s", i < argc ? "one USERNAME, please" : "USERNAME is missing");
	if (!u.role)
		return usage_error("%s", "--role is required");
	if (role_parse(u.role) == ROLE_NONE)
		return usage_error("unknown role '%s' (admin leader cm quality business project "
				   "safety customer)",
				   u.role);
	char pw[512];
	if (!fgets(pw, sizeof(pw), stdin)) {
		fprintf(stderr, "kefu: the password is read from standard input\n");
		return 2;
	}
	chomp(pw);
	struct db *db = open_ready(o.db);
	if (!db)
		return 1;
	struct kf_error err = { 0 };
	int64_t id = 0;
	int rc = app_user_add(db, argv[i], u.role, u.name, u.customer, u.projects, u.nprojects, pw,
			      time(NULL), &id, &err);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "kefu: user add: %s%s%s\n", err.field[0] ? err.field : "",
			err.field[0] ? ": " : "", err.message);
		return 1;
	}
	printf("%lld\n", (long long)id);
	return 0;
}

/* ---- kefu token create ---- */

static int cmd_token_create(int argc, char **argv)
{
	struct optctx o = { 0 };
	int i = parse_opts(argc, argv, NULL, &o, NULL);
	if (i < 0)
		return i == -2 ? 0 : 2;
	if (i != argc - 1)
		return usage_error("%s", "one USERNAME, please");
	struct db *db = open_ready(o.db);
	if (!db)
		return 1;
	struct kf_error err = { 0 };
	char token[TOKEN_CHARS];
	int rc = auth_token_create(db, argv[i], time(NULL), token, &err);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "kefu: token create: %s\n", err.message);
		return 1;
	}
	printf("%s\n", token);
	return 0;
}

/* ---- kefu audit verify ---- */

static int cmd_audit_verify(int argc, char **argv)
{
	struct optctx o = { 0 };
	int i = parse_opts(argc, argv, NULL, &o, NULL);
	if (i < 0)
		return i == -2 ? 0 : 2;
	if (i < argc)
		return usage_error("unexpected argument '%s'", argv[i]);
	struct db *db = open_ready(o.db);
	if (!db)
		return 1;
	char *report = NULL;
	int64_t rows = 0;
	int rc = store_audit_verify(db, &report, &rows);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "kefu: audit verify: database error\n");
		free(report);
		return 1;
	}
	if (rc > 0)
		printf("audit: BROKEN\n%s", report);
	else
		printf("audit: ok, %lld rows chained, every audited record matches\n",
		       (long long)rows);
	free(report);
	return rc > 0 ? 1 : 0;
}

/* ---- kefu config ---- */

static int cmd_config(int argc, char **argv)
{
	struct optctx o = { 0 };
	int i = parse_opts(argc, argv, NULL, &o, NULL);
	if (i < 0)
		return i == -2 ? 0 : 2;
	if (i < argc)
		return usage_error("unexpected argument '%s'", argv[i]);
	if (!load_settings(o.config))
		return 1;
	struct buf b = BUF_INIT;
	settings_describe(app_settings(), &b);
	fputs(b.s, stdout);
	buf_release(&b);
	return 0;
}

static const struct cmd cmds[] = {
	{ "init", "[--db PATH] [--demo]",
	  "Create or migrate the database (idempotent). --demo adds the demo company, only into\n"
	  "an empty database.",
	  cmd_init },
	{ "serve", "[--db PATH] [--config FILE] [--files DIR] [--listen HOST:PORT] [--threads N]",
	  "Serve the web app and the API until SIGINT or SIGTERM, then finish the requests in\n"
	  "flight and exit 0. --listen defaults to " DEFAULT_LISTEN " (KEFU_LISTEN); port 0 picks\n"
	  "a free port. --threads is the number of event loops (default: one per core).\n"
	  "--config names the settings file (KEFU_CONFIG); see 'kefu config'. --files is the\n"
	  "folder of attachments (KEFU_FILES; default: 'attachments' next to a SQLite file).",
	  cmd_serve },
	{ "config", "[--config FILE]",
	  "Check a settings file and print every setting in force with its default, bounds and\n"
	  "meaning, as a settings file (\"name = value\" lines, # comments). Without --config\n"
	  "(or KEFU_CONFIG): the defaults, which are the procedure's Readings. Exit 1 naming\n"
	  "the line of the first error.",
	  cmd_config },
	{ "user add", "USERNAME --role ROLE [--name NAME] [--customer ID] [--project ID]... [--db PATH]",
	  "Add a user; the password (12 characters or more) is read from standard input.\n"
	  "Roles: admin leader cm quality business project safety customer. A customer user\n"
	  "needs --customer; --project makes a staff user a member of a project.",
	  cmd_user_add },
	{ "token create", "USERNAME [--db PATH]",
	  "Print a new API token for USERNAME (sent as 'Authorization: Bearer TOKEN'). Only its\n"
	  "hash is stored: keep the printed token.",
	  cmd_token_create },
	{ "audit verify", "[--db PATH]",
	  "Check the audit log's hash chain and that every audited record still matches its\n"
	  "last audit row. Exit 0 when all holds; otherwise name the first broken row, exit 1.",
	  cmd_audit_verify },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kefu COMMAND [OPTIONS]\n\nkefu %s - customer service for construction "
		   "contractors\n\ncommands:\n",
		KF_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  kefu %s %s\n", cmds[i].name, cmds[i].usage);
	fprintf(f, "\nEvery command that uses the database takes --db PATH (default %s, or "
		   "KEFU_DB).\n'kefu COMMAND --help' says more.\n",
		DEFAULT_DB);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("kefu %s\n", KF_VERSION);
		return 0;
	}
	auth_init();
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		const char *sp = strchr(cmds[i].name, ' ');
		size_t n1 = sp ? (size_t)(sp - cmds[i].name) : strlen(cmds[i].name);
		if (strlen(argv[1]) != n1 || strncmp(argv[1], cmds[i].name, n1))
			continue;
		current = &cmds[i];
		if (!sp)
			return cmds[i].fn(argc - 1, argv + 1);
		if (argc >= 3 && !strcmp(argv[2], sp + 1))
			return cmds[i].fn(argc - 2, argv + 2);
	}
	/* A known first word with an unknown second one. */
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strncmp(cmds[i].name, argv[1], strlen(argv[1])) &&
		    cmds[i].name[strlen(argv[1])] == ' ') {
			fprintf(stderr, "kefu: '%s %s' is not a command\n", argv[1],
				argc >= 3 ? argv[2] : "");
			usage(stderr);
			return 2;
		}
	fprintf(stderr, "kefu: '%s' is not a command\n", argv[1]);
	usage(stderr);
	return 2;
}
