-- 001-foundation.sql: users, customers, projects with stages, credentials, the audit chain.
-- Times are UTC seconds; calendar dates are 'YYYY-MM-DD' text; booleans are 0/1.

CREATE TABLE customers (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	contact    TEXT,
	phone      TEXT,
	email      TEXT,
	address    TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE users (
	id          INTEGER PRIMARY KEY,
	username    TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	role        TEXT NOT NULL CHECK (role IN ('admin','leader','cm','quality','business',
	                                          'project','safety','customer')),
	customer_id INTEGER REFERENCES customers(id),
	pw_hash     TEXT NOT NULL,
	active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	CHECK ((role = 'customer') = (customer_id IS NOT NULL))
);
CREATE INDEX users_customer ON users(customer_id);

CREATE TABLE projects (
	id                INTEGER PRIMARY KEY,
	code              TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL,
	customer_id       INTEGER NOT NULL REFERENCES customers(id),
	manager_id        INTEGER REFERENCES users(id),
	stage             TEXT NOT NULL DEFAULT 'pre_contract'
	                  CHECK (stage IN ('pre_contract','construction','warranty','post_warranty')),
	contract_date     TEXT,
	completion_date   TEXT,
	warranty_end_date TEXT,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
);
CREATE INDEX projects_customer ON projects(customer_id);
CREATE INDEX projects_stage ON projects(stage);

CREATE TABLE project_members (
	project_id INTEGER NOT NULL REFERENCES projects(id),
	user_id    INTEGER NOT NULL REFERENCES users(id),
	PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members(user_id, project_id);

-- One row per stage event; the UNIQUE pair is what makes a repeated event lose a race.
CREATE TABLE stage_events (
	id         INTEGER PRIMARY KEY,
	project_id INTEGER NOT NULL REFERENCES projects(id),
	type       TEXT NOT NULL CHECK (type IN ('contract_signed','completion_filed','warranty_ended')),
	date       TEXT NOT NULL,
	note       TEXT,
	from_stage TEXT NOT NULL,
	to_stage   TEXT NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	created_at INTEGER NOT NULL,
	UNIQUE (project_id, type)
);

-- Sessions and API tokens: only the SHA-256 of the secret is stored.
CREATE TABLE credentials (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('session','token')),
	token_hash TEXT NOT NULL UNIQUE,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	csrf_token TEXT,
	created_at INTEGER NOT NULL,
	expires_at INTEGER
);
CREATE INDEX credentials_user ON credentials(user_id);

-- Append-only; each row's hash covers the previous row's hash and this row's content.
CREATE TABLE audit_log (
	id        INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	user_id   INTEGER,
	action    TEXT NOT NULL,
	entity    TEXT NOT NULL,
	entity_id INTEGER NOT NULL,
	data      TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
	BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
	BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
