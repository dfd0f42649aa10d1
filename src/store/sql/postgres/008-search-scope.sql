-- 008-search-scope.sql: search within the projects a caller sees, from the index itself
-- (docs/performance.md, "Tickets at scale"). A project-team member or a customer sees a few
-- of the company's projects; their search used to read their own tickets' documents. grams
-- and note_grams now begin with the word "kfp<project id>" (SCOPE_KEY_PG in
-- src/store/st-tickets.c), which the 'simple' full-text indexes hold like any other word: such
-- a caller's search asks for (kfp1 | kfp2 ...) & every CJK character of the query, and only
-- their projects' documents come out for ILIKE to check.
DROP INDEX ticket_docs_grams;
DROP INDEX ticket_docs_note_grams;
UPDATE ticket_docs d SET
	grams = 'kfp' || t.project_id || ' ' || d.grams,
	note_grams = 'kfp' || t.project_id || ' ' || d.note_grams
	FROM tickets t WHERE t.id = d.id;
CREATE INDEX ticket_docs_grams ON ticket_docs USING gin (to_tsvector('simple', grams));
CREATE INDEX ticket_docs_note_grams ON ticket_docs USING gin (to_tsvector('simple', note_grams));
