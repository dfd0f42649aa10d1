-- 012-scoped-words-by-range.sql: the words of one project (010) keyed by a range of ticket ids
-- as well, so that a page of a common word reads the newest matches only (docs/performance.md,
-- "Words of one project by range of ids"). GIN hands out every match of a word unordered: a
-- project-team member's page of 卫生间 read and sorted all 2,086 of their matches (~3 µs each)
-- for its 50. Here each word is the project's key word, 'x', the range of 65,536 ids the
-- ticket's id lies in (id >> 16), then the ideographs ("kfp12x15防水"; one 'simple' word
-- still). A member's search asks for the newest range first (kfp1x15防水 | kfp2x15防水 …), then
-- the two before it, and what those leave of the page from 010's words of the older ids,
-- which a rare word reads with one lookup a project (SCOPED_PG, SCOPED_RANGE_PG and
-- scoped_by_range() in src/store/st-tickets.c). A company of fewer than 65,536 tickets has
-- one range.
-- Building them takes minutes at a million tickets (~80 µs a document and index); searches go
-- on meanwhile, writes of documents wait.
CREATE INDEX ticket_docs_scoped_by_range ON ticket_docs USING gin (to_tsvector('simple',
	kefu_scoped_words(split_part(grams, ' ', 1) || 'x' || (id >> 16)::text, body)))
	WITH (gin_pending_list_limit = 64);
CREATE INDEX ticket_docs_note_scoped_by_range ON ticket_docs USING gin (to_tsvector('simple',
	kefu_scoped_words(split_part(grams, ' ', 1) || 'x' || (id >> 16)::text, note)))
	WITH (gin_pending_list_limit = 64);
