-- 007-queues-and-heads.sql: indexes for the ticket queues at a large company's size
-- (docs/performance.md, "Tickets at scale"). A project-team member's or a customer's queue picks
-- its page from their projects' tickets: the project index covers the status and owner
-- filters, so only the page's rows are read. Overdue tickets are found from the open deadlines.
DROP INDEX tickets_project;
CREATE INDEX tickets_project ON tickets(project_id, status, owner_id, id);
CREATE INDEX tickets_required_by ON tickets(required_by)
	WHERE resolved_at IS NULL AND status <> 'closed';

-- P-5.3.3: overdue tickets escalate to the owner's department head. A department is a staff
-- role; its heads are the users listed here (a project team's head is the project's manager).
CREATE INDEX users_role ON users(role);
CREATE TABLE department_heads (
	user_id INTEGER PRIMARY KEY REFERENCES users(id)
);
