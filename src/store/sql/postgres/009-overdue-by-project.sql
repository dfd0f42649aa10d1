-- 009-overdue-by-project.sql: the overdue queue of a caller who sees a few projects
-- (docs/performance.md, "Overdue tickets by project"; SQLite's 011 does it with indexes by
-- project). A project-team member's overdue page read every overdue ticket of the company
-- (~1,100 rows in the 1,000,000-ticket bench: 15 ms alone) for its id and project. The
-- partial indexes of open deadlines now hold both (INCLUDE), so that the planner's hash join
-- of them with the caller's projects reads no row once the table is vacuumed (8 ms alone).
-- Indexes by project instead (the planner takes them only without these) gave the member 4-7
-- ms, but cm's overdue page fell from ~300 to 205-259 req/s at 32 connections.
DROP INDEX tickets_response_due;
DROP INDEX tickets_required_by;
CREATE INDEX tickets_response_due ON tickets(response_due) INCLUDE (id, project_id)
	WHERE responded_at IS NULL;
CREATE INDEX tickets_required_by ON tickets(required_by) INCLUDE (id, project_id)
	WHERE resolved_at IS NULL AND status <> 'closed';
