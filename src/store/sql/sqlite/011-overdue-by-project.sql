-- 011-overdue-by-project.sql: the overdue queue of a caller who sees a few projects
-- (docs/performance.md, "Overdue tickets by project"). The open deadlines were indexed for the
-- whole company only, so a project-team member's overdue page walked all of their projects'
-- tickets (11,528 for a member of 20 projects in the 1,000,000-ticket bench) to find the ten
-- that are overdue. These partial indexes hold only open deadlines, by project: such a caller's
-- overdue tickets are a short range per project.
CREATE INDEX tickets_project_response_due ON tickets(project_id, response_due)
	WHERE responded_at IS NULL;
CREATE INDEX tickets_project_required_by ON tickets(project_id, required_by)
	WHERE resolved_at IS NULL AND status <> 'closed';
