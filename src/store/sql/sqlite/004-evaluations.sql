-- 004-evaluations.sql: filled score sheets (PROCEDURE §6-7). A row is never changed: a
-- correction is a new evaluation whose amends_id names the one it replaces (P-5.6).
-- Scores are integer tenths of a point.
CREATE TABLE evaluations (
	id                INTEGER PRIMARY KEY,
	project_id        INTEGER NOT NULL REFERENCES projects(id),
	form_id           INTEGER NOT NULL REFERENCES form_versions(id),
	form              TEXT NOT NULL CHECK (form IN ('pre','process','post')),
	kind              TEXT NOT NULL CHECK (kind IN ('official','self_check')),
	period            TEXT,
	date              TEXT NOT NULL,
	score             INTEGER NOT NULL,
	grade             TEXT NOT NULL CHECK (grade IN ('fail','qualified','excellent')),
	serious           INTEGER NOT NULL CHECK (serious IN (0,1)),
	summary_deduction INTEGER NOT NULL DEFAULT 0,
	customer_rep      TEXT,
	comment           TEXT,
	amends_id         INTEGER UNIQUE REFERENCES evaluations(id),
	reason            TEXT,
	user_id           INTEGER NOT NULL REFERENCES users(id),
	created_at        INTEGER NOT NULL
);
CREATE INDEX evaluations_project ON evaluations(project_id, date, id);

CREATE TABLE evaluation_items (
	evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
	position      INTEGER NOT NULL,
	key           TEXT NOT NULL,
	title         TEXT NOT NULL,
	points        INTEGER NOT NULL,
	rating        TEXT NOT NULL,
	penalty       INTEGER NOT NULL DEFAULT 0,
	score         INTEGER NOT NULL,
	PRIMARY KEY (evaluation_id, key)
);
