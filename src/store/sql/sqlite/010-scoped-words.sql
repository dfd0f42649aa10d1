-- 010-scoped-words.sql: a search index whose words belong to one project each
-- (docs/performance.md, "Words of one project"). Migration 008 let a caller who sees a few
-- projects ask FTS5 for "their projects' key words AND the word", which FTS5 answers by
-- seeking the word's list (for 防 or 水, a tenth of all documents) at each of their
-- documents: 3-5 ms for a customer's 414 tickets. Here every word is the project's key
-- followed by two CJK ideographs in a row, or by the last ideograph of a run
-- ("K卫生 K生间 K间" for "卫生间"; kefu_scoped_words(), st_scoped_words() in
-- src/store/st-search.c), so "防水" in a customer's three projects is three short lists:
-- ("K1防水" OR "K2防水" OR "K3防水"), and "卫生间" the phrase "K卫生 K生间" in each.
-- The table is contentless: its words are computed by kefu_scoped_words(), a function that
-- kefu defines on each of its SQLite connections (so a sqlite3 shell without it cannot
-- change ticket_docs, but can search and read everything).
CREATE VIRTUAL TABLE ticket_scoped USING fts5(words, note_words, content='',
                                              tokenize='unicode61');
INSERT INTO ticket_scoped (rowid, words, note_words)
	SELECT id, kefu_scoped_words(project_key, body), kefu_scoped_words(project_key, note)
	FROM ticket_docs;
-- one segment: each word's lookup visits every segment of the index
INSERT INTO ticket_scoped (ticket_scoped) VALUES ('optimize');

DROP TRIGGER ticket_docs_ai;
DROP TRIGGER ticket_docs_ad;
DROP TRIGGER ticket_docs_au;
CREATE TRIGGER ticket_docs_ai AFTER INSERT ON ticket_docs BEGIN
	INSERT INTO ticket_fts (rowid, body, note, project_key)
		VALUES (new.id, new.body, new.note, new.project_key);
	INSERT INTO ticket_uni (rowid, grams, note_grams, project_key)
		VALUES (new.id, new.grams, new.note_grams, new.project_key);
	INSERT INTO ticket_scoped (rowid, words, note_words)
		VALUES (new.id, kefu_scoped_words(new.project_key, new.body),
		        kefu_scoped_words(new.project_key, new.note));
END;
CREATE TRIGGER ticket_docs_ad AFTER DELETE ON ticket_docs BEGIN
	INSERT INTO ticket_fts (ticket_fts, rowid, body, note, project_key)
		VALUES ('delete', old.id, old.body, old.note, old.project_key);
	INSERT INTO ticket_uni (ticket_uni, rowid, grams, note_grams, project_key)
		VALUES ('delete', old.id, old.grams, old.note_grams, old.project_key);
	INSERT INTO ticket_scoped (ticket_scoped, rowid, words, note_words)
		VALUES ('delete', old.id, kefu_scoped_words(old.project_key, old.body),
		        kefu_scoped_words(old.project_key, old.note));
END;
CREATE TRIGGER ticket_docs_au AFTER UPDATE ON ticket_docs BEGIN
	INSERT INTO ticket_fts (ticket_fts, rowid, body, note, project_key)
		VALUES ('delete', old.id, old.body, old.note, old.project_key);
	INSERT INTO ticket_uni (ticket_uni, rowid, grams, note_grams, project_key)
		VALUES ('delete', old.id, old.grams, old.note_grams, old.project_key);
	INSERT INTO ticket_scoped (ticket_scoped, rowid, words, note_words)
		VALUES ('delete', old.id, kefu_scoped_words(old.project_key, old.body),
		        kefu_scoped_words(old.project_key, old.note));
	INSERT INTO ticket_fts (rowid, body, note, project_key)
		VALUES (new.id, new.body, new.note, new.project_key);
	INSERT INTO ticket_uni (rowid, grams, note_grams, project_key)
		VALUES (new.id, new.grams, new.note_grams, new.project_key);
	INSERT INTO ticket_scoped (rowid, words, note_words)
		VALUES (new.id, kefu_scoped_words(new.project_key, new.body),
		        kefu_scoped_words(new.project_key, new.note));
END;
