-- 011-gin-pending-lists.sql: short pending lists for the GIN indexes of the search documents
-- (docs/performance.md, "GIN's pending lists"). GIN puts new entries in a pending list that
-- every search reads from start to end, and merges it into the index only when it passes
-- gin_pending_list_limit (4 MB by default) or at VACUUM. After 1,000 ticket documents written
-- the lists held 82-474 pages each, and a project-team member's search for 卫生间 took 19-22 ms
-- instead of 7-8. At the least limit (64 kB, 8 pages) a search reads little of them; a write
-- then merges its entries at once (1,000 documents: 1.8-1.9 s of PostgreSQL's time in all
-- six indexes instead of 0.3-0.4 s, and VACUUM's share falls from 2.1-2.3 s to 0.8-0.9 s).
ALTER INDEX search_docs_trgm SET (gin_pending_list_limit = 64);
ALTER INDEX ticket_docs_body SET (gin_pending_list_limit = 64);
ALTER INDEX ticket_docs_note SET (gin_pending_list_limit = 64);
ALTER INDEX ticket_docs_grams SET (gin_pending_list_limit = 64);
ALTER INDEX ticket_docs_note_grams SET (gin_pending_list_limit = 64);
ALTER INDEX ticket_docs_scoped SET (gin_pending_list_limit = 64);
ALTER INDEX ticket_docs_note_scoped SET (gin_pending_list_limit = 64);
