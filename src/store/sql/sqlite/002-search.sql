-- 002-search.sql: one search index for every searchable kind of record (projects now,
-- tickets later). FTS5's trigram tokenizer finds Chinese substrings of three or more
-- characters; shorter queries scan search_docs with instr() (st-search.c), because on
-- SQLite 3.40 a trigram index matches nothing under three characters and LIKE on the FTS
-- table gives wrong empty results for short Chinese patterns.
CREATE TABLE search_docs (
	id        INTEGER PRIMARY KEY,
	kind      TEXT NOT NULL,
	entity_id INTEGER NOT NULL,
	body      TEXT NOT NULL,
	UNIQUE (kind, entity_id)
);
CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_docs', content_rowid='id',
                                           tokenize='trigram');
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
	INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
	INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
	INSERT INTO search_fts (search_fts, rowid, body) VALUES ('delete', old.id, old.body);
	INSERT INTO search_fts (rowid, body) VALUES (new.id, new.body);
END;

INSERT INTO search_docs (kind, entity_id, body)
	SELECT 'project', p.id, p.code || ' ' || p.name || ' ' || c.name
	FROM projects p JOIN customers c ON c.id = p.customer_id;
