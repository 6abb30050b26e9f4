-- Rampart schema, SQLite, version 5 (issue: shadow evidence).
--
-- Projections of the shadow collector's audit events, so that the daily health report, the
-- weekly evidence report and the promotion gates read indexed rows instead of scanning the
-- whole trail. Timestamps are TEXT in fixed-width RFC 3339 UTC with nanoseconds, as in
-- version 1, so that text order is time order; JSON is TEXT. As for every projection, the
-- audit record's JSON is the truth: these rows keep what queries filter on, and the whole
-- value for reading it back without parsing the event.

-- shadow_decision_recorded: one row per evaluated entry signal, keyed by the decision's
-- deterministic id (`<symbol>:<strategy>:<ts micros>`). A second record of an id fails on the
-- primary key, which fails the whole append (StoreError::Conflict).
-- shadow_decision_resolved: fills in the resolution columns of its decision's row, through
-- the view `shadow_resolutions` below. NULL resolution columns: the decision is pending.
CREATE TABLE shadow_decisions (
    id              TEXT    PRIMARY KEY,                            -- ShadowDecision::id
    audit_seq       INTEGER NOT NULL REFERENCES audit_events (seq), -- its shadow_decision_recorded
    at              TEXT    NOT NULL,                               -- decision.at
    symbol          TEXT    NOT NULL,
    strategy        TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,            -- taken, blocked, rejected, no_intent
    decision_json   TEXT    NOT NULL,            -- the whole ShadowDecision as JSON
    resolved_seq    INTEGER REFERENCES audit_events (seq),          -- its shadow_decision_resolved
    resolved_at     TEXT,                        -- resolution.resolved_at
    resolution_json TEXT,                        -- the whole ShadowResolution as JSON
    CHECK ((resolved_seq IS NULL) = (resolved_at IS NULL)
       AND (resolved_at IS NULL) = (resolution_json IS NULL))
);
-- shadow_records(from, to) and the in-range count: by decision time, then append order.
CREATE INDEX shadow_decisions_at ON shadow_decisions (at, audit_seq);
-- The pending count (all time): only the unresolved rows are in this index.
CREATE INDEX shadow_decisions_pending ON shadow_decisions (id) WHERE resolved_at IS NULL;

-- A resolution is written as an INSERT into this view. The trigger refuses a resolution of a
-- decision that is not stored, or is already resolved (which fails the whole append:
-- StoreError::Conflict), and otherwise fills in the decision's resolution columns.
CREATE VIEW shadow_resolutions AS
SELECT id, resolved_seq AS audit_seq, resolved_at, resolution_json
FROM shadow_decisions
WHERE resolved_at IS NOT NULL;

CREATE TRIGGER shadow_resolutions_insert INSTEAD OF INSERT ON shadow_resolutions
BEGIN
    SELECT RAISE(ABORT, 'shadow resolution: no such shadow decision')
    WHERE NOT EXISTS (SELECT 1 FROM shadow_decisions WHERE id = NEW.id);
    SELECT RAISE(ABORT, 'shadow resolution: shadow decision already resolved')
    WHERE EXISTS (SELECT 1 FROM shadow_decisions WHERE id = NEW.id AND resolved_at IS NOT NULL);
    UPDATE shadow_decisions
    SET resolved_seq = NEW.audit_seq, resolved_at = NEW.resolved_at,
        resolution_json = NEW.resolution_json
    WHERE id = NEW.id;
END;

-- weekly_report_stored: one row per ISO week; a report stored again for a week replaces it
-- (upsert, in append order: the later appended wins). `weekly_reports(limit)` reads the
-- newest weeks first through the primary key, and each report from its audit record.
CREATE TABLE weekly_reports (
    year         INTEGER NOT NULL,                                -- ISO week-based year
    week         INTEGER NOT NULL,                                -- ISO week number
    audit_seq    INTEGER NOT NULL REFERENCES audit_events (seq),  -- the record stored last
    week_ending  TEXT    NOT NULL,                                -- 'YYYY-MM-DD' (Sunday)
    generated_at TEXT    NOT NULL,
    body         TEXT    NOT NULL,                                -- the whole report as JSON
    PRIMARY KEY (year, week)
);

-- promotion_signed_off: one row per human sign-off; `signoffs()` reads them in append order,
-- each from its audit record.
CREATE TABLE signoffs (
    audit_seq INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    by_name   TEXT    NOT NULL,                                   -- who signed
    note      TEXT    NOT NULL,
    at        TEXT    NOT NULL
);
