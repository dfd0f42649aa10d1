-- 005-cases.sql: penalty cases (PROCEDURE §8) and improvement reviews (§6), both opened in the
-- transaction of the evaluation that triggers them. Each evaluation opens at most one of each:
-- the UNIQUE evaluation_id is what makes a duplicate impossible, whatever the code does.
CREATE TABLE penalty_cases (
	id            INTEGER PRIMARY KEY,
	project_id    INTEGER NOT NULL REFERENCES projects(id),
	evaluation_id INTEGER NOT NULL UNIQUE REFERENCES evaluations(id),
	level         INTEGER NOT NULL CHECK (level IN (1,2)),
	reason        TEXT NOT NULL CHECK (reason IN ('two_consecutive_fails','two_fails_in_year',
	                                              'three_consecutive_fails')),
	status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','decided')),
	decision      TEXT,
	decided_by    INTEGER REFERENCES users(id),
	decided_at    INTEGER,
	created_at    INTEGER NOT NULL
);
CREATE INDEX penalty_cases_project ON penalty_cases(project_id, id);
CREATE INDEX penalty_cases_status ON penalty_cases(status, id);

-- The evaluations a case covers (two or three).
CREATE TABLE penalty_case_evaluations (
	case_id       INTEGER NOT NULL REFERENCES penalty_cases(id),
	evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
	PRIMARY KEY (case_id, evaluation_id)
);
CREATE INDEX penalty_case_evaluations_evaluation ON penalty_case_evaluations(evaluation_id);

CREATE TABLE reviews (
	id            INTEGER PRIMARY KEY,
	project_id    INTEGER NOT NULL REFERENCES projects(id),
	evaluation_id INTEGER NOT NULL UNIQUE REFERENCES evaluations(id),
	fail          INTEGER NOT NULL CHECK (fail IN (0,1)),
	serious       INTEGER NOT NULL CHECK (serious IN (0,1)),
	status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
	findings      TEXT,
	closed_by     INTEGER REFERENCES users(id),
	closed_at     INTEGER,
	created_at    INTEGER NOT NULL
);
CREATE INDEX reviews_project ON reviews(project_id, status, id);
CREATE INDEX reviews_status ON reviews(status, id);
