-- 007-queues-and-heads.sql: indexes for the ticket queues at a large company's size
-- (docs/performance.md, "Tickets at scale"). A project-team member's or a customer's queue picks
-- its page from their projects' tickets: the project index covers the status and owner
-- filters, so only the page's rows are read. Overdue tickets are found from the open deadlines.
DROP INDEX tickets_project;
CREATE INDEX tickets_project ON tickets(project_id, status, owner_id, id);
CREATE INDEX tickets_required_by ON tickets(required_by)
	WHERE resolved_at IS NULL AND status <> 'closed';

-- Searches of one or two characters: pg_trgm cannot index a pattern under three characters,
-- so ILIKE '%防水%' alone would read every document. grams and note_grams hold the text with
-- every CJK character a word of its own (as st_unigrams() writes them, and as SQLite has them);
-- their 'simple' full-text indexes find the documents holding all of the query's CJK
-- characters, and ILIKE then checks the substring itself.
UPDATE ticket_docs SET
	grams = regexp_replace(body, '([\u2E80-\u9FFF\uF900-\uFAFF\U00020000-\U0003FFFF])', ' \1 ', 'g'),
	note_grams = regexp_replace(note, '([\u2E80-\u9FFF\uF900-\uFAFF\U00020000-\U0003FFFF])', ' \1 ', 'g');
CREATE INDEX ticket_docs_grams ON ticket_docs USING gin (to_tsvector('simple', grams));
CREATE INDEX ticket_docs_note_grams ON ticket_docs USING gin (to_tsvector('simple', note_grams));

-- P-5.3.3: overdue tickets escalate to the owner's department head. A department is a staff
-- role; its heads are the users listed here (a project team's head is the project's manager).
CREATE INDEX users_role ON users(role);
CREATE TABLE department_heads (
	user_id BIGINT PRIMARY KEY REFERENCES users(id)
);
