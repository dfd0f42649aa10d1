-- 008-search-scope.sql: search within the projects a caller sees, from the index itself
-- (docs/performance.md, "Tickets at scale"). A project-team member or a customer sees a few
-- of the company's projects; their search used to read the index's matches newest first and
-- drop those of other projects, thousands of them for a common word. project_key is a word
-- that only the documents of one project hold: three characters of the Supplementary Private
-- Use Area, 15 bits of the project id each, so that the trigram tokenizer sees exactly one
-- token and unicode61 one word (private-use characters are word characters to it). Such a
-- caller's search asks FTS5 for "{project_key} : (k1 OR k2 ...) AND the words", which it
-- answers by stepping through the projects' short lists. The same expression is
-- SCOPE_KEY_SQLITE in src/store/st-tickets.c.
DROP TRIGGER ticket_docs_ai;
DROP TRIGGER ticket_docs_ad;
DROP TRIGGER ticket_docs_au;
DROP TABLE ticket_fts;
DROP TABLE ticket_uni;

ALTER TABLE ticket_docs ADD COLUMN project_key TEXT;
UPDATE ticket_docs SET project_key = (
	SELECT char(983040 + ((t.project_id >> 30) & 32767), 983040 + ((t.project_id >> 15) & 32767),
	            983040 + (t.project_id & 32767))
	FROM tickets t WHERE t.id = ticket_docs.id);

CREATE VIRTUAL TABLE ticket_fts USING fts5(body, note, project_key, content='ticket_docs',
                                           content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE ticket_uni USING fts5(grams, note_grams, project_key, content='ticket_docs',
                                           content_rowid='id', tokenize='unicode61');
INSERT INTO ticket_fts (ticket_fts) VALUES ('rebuild');
INSERT INTO ticket_uni (ticket_uni) VALUES ('rebuild');

CREATE TRIGGER ticket_docs_ai AFTER INSERT ON ticket_docs BEGIN
	INSERT INTO ticket_fts (rowid, body, note, project_key)
		VALUES (new.id, new.body, new.note, new.project_key);
	INSERT INTO ticket_uni (rowid, grams, note_grams, project_key)
		VALUES (new.id, new.grams, new.note_grams, new.project_key);
END;
CREATE TRIGGER ticket_docs_ad AFTER DELETE ON ticket_docs BEGIN
	INSERT INTO ticket_fts (ticket_fts, rowid, body, note, project_key)
		VALUES ('delete', old.id, old.body, old.note, old.project_key);
	INSERT INTO ticket_uni (ticket_uni, rowid, grams, note_grams, project_key)
		VALUES ('delete', old.id, old.grams, old.note_grams, old.project_key);
END;
CREATE TRIGGER ticket_docs_au AFTER UPDATE ON ticket_docs BEGIN
	INSERT INTO ticket_fts (ticket_fts, rowid, body, note, project_key)
		VALUES ('delete', old.id, old.body, old.note, old.project_key);
	INSERT INTO ticket_uni (ticket_uni, rowid, grams, note_grams, project_key)
		VALUES ('delete', old.id, old.grams, old.note_grams, old.project_key);
	INSERT INTO ticket_fts (rowid, body, note, project_key)
		VALUES (new.id, new.body, new.note, new.project_key);
	INSERT INTO ticket_uni (rowid, grams, note_grams, project_key)
		VALUES (new.id, new.grams, new.note_grams, new.project_key);
END;
