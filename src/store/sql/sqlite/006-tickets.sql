-- 006-tickets.sql: requests, complaints and repairs (PROCEDURE §4). A ticket's row holds its
-- current state; every step is a ticket_events row (who, when, what the customer was sent).
-- Times are UTC seconds.
CREATE TABLE tickets (
	id           INTEGER PRIMARY KEY,
	number       TEXT NOT NULL UNIQUE,
	project_id   INTEGER NOT NULL REFERENCES projects(id),
	kind         TEXT NOT NULL CHECK (kind IN ('complaint','repair','inquiry','special_request',
	                                           'suspension_claim','environment_safety')),
	title        TEXT NOT NULL,
	description  TEXT NOT NULL,
	channel      TEXT NOT NULL CHECK (channel IN ('portal','phone','visit','email','fax',
	                                              'meeting','letter')),
	location     TEXT,
	required_by  INTEGER,
	status       TEXT NOT NULL DEFAULT 'new'
	             CHECK (status IN ('new','awaiting_customer','awaiting_approval','in_progress',
	                               'awaiting_verification','resolved','closed')),
	scope        TEXT CHECK (scope IN ('in_contract','out_of_contract','cannot_handle')),
	owner_id     INTEGER REFERENCES users(id),
	created_by   INTEGER NOT NULL REFERENCES users(id),
	response_due INTEGER,
	responded_at INTEGER,
	resolved_at  INTEGER,
	closed_at    INTEGER,
	satisfaction TEXT CHECK (satisfaction IN ('satisfied','average','unsatisfied')),
	improvement_needs INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX tickets_project ON tickets(project_id, id);
CREATE INDEX tickets_status ON tickets(status, id);
CREATE INDEX tickets_owner ON tickets(owner_id, id);
-- the response clock: open tickets with a due time and no first response yet
CREATE INDEX tickets_response_due ON tickets(response_due) WHERE responded_at IS NULL;

CREATE TABLE ticket_assignees (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	user_id   INTEGER NOT NULL REFERENCES users(id),
	PRIMARY KEY (ticket_id, user_id)
);

CREATE TABLE ticket_events (
	id        INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	action    TEXT NOT NULL,
	user_id   INTEGER NOT NULL REFERENCES users(id),
	at        INTEGER NOT NULL,
	text      TEXT,
	internal  INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0,1)),
	data      TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

-- KF-YYYY-NNNNNN: one counter per year, bumped inside the creating transaction.
CREATE TABLE ticket_counters (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

-- Files sent with a ticket: the bytes live in the content-addressed folder under sha256.
CREATE TABLE ticket_attachments (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
	name       TEXT NOT NULL,
	type       TEXT NOT NULL CHECK (type IN ('image/jpeg','image/png','image/webp',
	                                         'application/pdf')),
	size       INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	created_at INTEGER NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments(ticket_id, id);

-- P-5.2.3h: cm dept's corrective action for a common defect, over the tickets it concerns,
-- accepted together with the customer representative (each acceptance kept).
CREATE TABLE corrective_actions (
	id         INTEGER PRIMARY KEY,
	title      TEXT NOT NULL,
	plan       TEXT NOT NULL,
	status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','rework')),
	user_id    INTEGER NOT NULL REFERENCES users(id),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE TABLE corrective_action_tickets (
	action_id INTEGER NOT NULL REFERENCES corrective_actions(id),
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	PRIMARY KEY (action_id, ticket_id)
);
CREATE INDEX corrective_action_tickets_ticket ON corrective_action_tickets(ticket_id);
CREATE TABLE corrective_action_acceptances (
	id           INTEGER PRIMARY KEY,
	action_id    INTEGER NOT NULL REFERENCES corrective_actions(id),
	customer_rep TEXT NOT NULL,
	appraisal    TEXT NOT NULL,
	result       TEXT NOT NULL CHECK (result IN ('accepted','rework')),
	user_id      INTEGER NOT NULL REFERENCES users(id),
	created_at   INTEGER NOT NULL
);
CREATE INDEX corrective_action_acceptances_action ON corrective_action_acceptances(action_id, id);

-- Ticket search, one row per ticket (id = the ticket's id, so the index hands out matches
-- newest first and a page stops early): body is what the customer may read (number, title,
-- description, location, public comments), note the internal comments. FTS5 trigram serves
-- queries of three characters and more; for shorter ones, grams and note_grams hold the same
-- text with every CJK character a word of its own, so that unicode61 finds "防水" as the
-- phrase "防 水" (the trigram index matches nothing under three characters).
CREATE TABLE ticket_docs (
	id         INTEGER PRIMARY KEY REFERENCES tickets(id),
	body       TEXT NOT NULL,
	note       TEXT,
	grams      TEXT,
	note_grams TEXT
);
CREATE VIRTUAL TABLE ticket_fts USING fts5(body, note, content='ticket_docs', content_rowid='id',
                                           tokenize='trigram');
CREATE VIRTUAL TABLE ticket_uni USING fts5(grams, note_grams, content='ticket_docs',
                                           content_rowid='id', tokenize='unicode61');
CREATE TRIGGER ticket_docs_ai AFTER INSERT ON ticket_docs BEGIN
	INSERT INTO ticket_fts (rowid, body, note) VALUES (new.id, new.body, new.note);
	INSERT INTO ticket_uni (rowid, grams, note_grams) VALUES (new.id, new.grams, new.note_grams);
END;
CREATE TRIGGER ticket_docs_ad AFTER DELETE ON ticket_docs BEGIN
	INSERT INTO ticket_fts (ticket_fts, rowid, body, note) VALUES ('delete', old.id, old.body, old.note);
	INSERT INTO ticket_uni (ticket_uni, rowid, grams, note_grams)
		VALUES ('delete', old.id, old.grams, old.note_grams);
END;
CREATE TRIGGER ticket_docs_au AFTER UPDATE ON ticket_docs BEGIN
	INSERT INTO ticket_fts (ticket_fts, rowid, body, note) VALUES ('delete', old.id, old.body, old.note);
	INSERT INTO ticket_uni (ticket_uni, rowid, grams, note_grams)
		VALUES ('delete', old.id, old.grams, old.note_grams);
	INSERT INTO ticket_fts (rowid, body, note) VALUES (new.id, new.body, new.note);
	INSERT INTO ticket_uni (rowid, grams, note_grams) VALUES (new.id, new.grams, new.note_grams);
END;
