-- 003-forms.sql: versions of the score sheets 6.1-6.3. A version is never changed: an admin
-- publishes a new one, and an evaluation keeps the version it was filled on.
CREATE TABLE form_versions (
	id         INTEGER PRIMARY KEY,
	phase      TEXT NOT NULL CHECK (phase IN ('pre','process','post')),
	version    INTEGER NOT NULL,
	record     TEXT NOT NULL,
	title      TEXT NOT NULL,
	title_en   TEXT NOT NULL,
	items      TEXT NOT NULL, -- JSON array of {key, title, title_en, points}
	user_id    INTEGER REFERENCES users(id),
	created_at INTEGER NOT NULL,
	UNIQUE (phase, version)
);
