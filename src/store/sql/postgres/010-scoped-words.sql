-- 010-scoped-words.sql: search words that belong to one project each, as SQLite's 010 has
-- them (docs/performance.md, "Words of one project"). A project-team member's search for 防水
-- intersected the long lists of 防 and 水 in the unigrams' index with their projects' key
-- words (008), then read and strpos()-checked each of their ~1,900 matches: 46-49 ms of a
-- 1,000,000-ticket company's 2 cores. Here every word is the project's key word followed by two
-- CJK ideographs in a row, or by the last ideograph of a run ("kfp12卫生 kfp12生间 kfp12间" for
-- 卫生间; st_scoped_words() in src/store/st-search.c writes the same for SQLite), which the
-- 'simple' parser keeps one word each: 防水 in a member's projects is one short list per
-- project (kfp1防水 | kfp2防水 ...), and nothing matches that does not hold 防水 itself.
-- The key word is the first word of grams ('kfp' || project_id, 008). The indexes are over
-- expressions, so PostgreSQL keeps them current; src/store/st-tickets.c (SCOPED_PG) writes the
-- same expressions.
CREATE FUNCTION kefu_scoped_words(key text, s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT string_agg(key || substr(r.run[1], i, 2), ' ' ORDER BY r.n, i)
	FROM regexp_matches(s, '[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0003FFFF]+',
	                    'g') WITH ORDINALITY AS r(run, n),
		generate_series(1, length(r.run[1])) AS i
$$;
CREATE INDEX ticket_docs_scoped ON ticket_docs
	USING gin (to_tsvector('simple', kefu_scoped_words(split_part(grams, ' ', 1), body)));
CREATE INDEX ticket_docs_note_scoped ON ticket_docs
	USING gin (to_tsvector('simple', kefu_scoped_words(split_part(grams, ' ', 1), note)));
