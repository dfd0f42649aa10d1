-- 009-recent-queues.sql: the queues of callers who see a few projects (docs/performance.md,
-- "Tickets at scale"). A project-team member's first page used to read every index entry of
-- their projects (11,528 for a member of 20 projects in the 1,000,000-ticket bench) to find
-- the newest 50. They now read their projects' entries among the newest tickets first (the
-- last RECENT_IDS ids, src/store/st-tickets.c: one range of this index per project), which
-- fill the page unless they see few tickets, and the whole walk only when they do not. status
-- and owner_id ride along so that those filters are checked in the index. (PostgreSQL walks
-- such a window ticket by ticket instead, so it keeps the whole walk and has no such index.)
CREATE INDEX tickets_project_recent ON tickets(project_id, id, status, owner_id);
