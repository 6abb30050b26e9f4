-- Rampart schema, PostgreSQL, version 5 (issue: shadow evidence). Same tables as SQLite.
--
-- Projections of the shadow collector's audit events, so that the daily health report, the
-- weekly evidence report and the promotion gates read indexed rows instead of scanning the
-- whole trail. Times are TIMESTAMPTZ (microseconds; the JSON copies keep the exact times, and
-- the adapter settles what a microsecond cannot on them), JSON is TEXT as in version 1 (the
-- exact bytes written; cast to jsonb to query it); TEXT cannot hold NUL, so the adapter
-- replaces it with U+FFFD in the plain text columns. As for every projection, the audit
-- record's JSON is the truth: these rows keep what queries filter on, and the whole value
-- for reading it back without parsing the event.

-- shadow_decision_recorded: one row per evaluated entry signal, keyed by the decision's
-- deterministic id (`<symbol>:<strategy>:<ts micros>`). A second record of an id fails on the
-- primary key, which fails the whole append (StoreError::Conflict).
-- shadow_decision_resolved: fills in the resolution columns of its decision's row; the
-- adapter refuses (StoreError::Conflict, nothing written) a resolution of a decision that is
-- not stored or already resolved. NULL resolution columns: the decision is pending.
CREATE TABLE shadow_decisions (
    id              TEXT        PRIMARY KEY,                            -- ShadowDecision::id
    audit_seq       BIGINT      NOT NULL REFERENCES audit_events (seq), -- its shadow_decision_recorded
    at              TIMESTAMPTZ NOT NULL,                               -- decision.at
    symbol          TEXT        NOT NULL,
    strategy        TEXT        NOT NULL,
    outcome         TEXT        NOT NULL,        -- taken, blocked, rejected, no_intent
    decision_json   TEXT        NOT NULL,        -- the whole ShadowDecision as JSON
    resolved_seq    BIGINT      REFERENCES audit_events (seq),          -- its shadow_decision_resolved
    resolved_at     TIMESTAMPTZ,                 -- resolution.resolved_at
    resolution_json TEXT,                        -- the whole ShadowResolution as JSON
    CHECK ((resolved_seq IS NULL) = (resolved_at IS NULL)
       AND (resolved_at IS NULL) = (resolution_json IS NULL))
);
-- shadow_records(from, to) and the in-range count: by decision time, then append order.
CREATE INDEX shadow_decisions_at ON shadow_decisions (at, audit_seq);
-- The pending count (all time): only the unresolved rows are in this index.
CREATE INDEX shadow_decisions_pending ON shadow_decisions (id) WHERE resolved_at IS NULL;

-- weekly_report_stored: one row per ISO week; a report stored again for a week replaces it
-- (upsert, in append order: the later appended wins). `weekly_reports(limit)` reads the
-- newest weeks first through the primary key, and each report from its audit record.
CREATE TABLE weekly_reports (
    year         INTEGER     NOT NULL,                                -- ISO week-based year
    week         INTEGER     NOT NULL,                                -- ISO week number
    audit_seq    BIGINT      NOT NULL REFERENCES audit_events (seq),  -- the record stored last
    week_ending  DATE        NOT NULL,                                -- the Sunday
    generated_at TIMESTAMPTZ NOT NULL,
    body         TEXT        NOT NULL,                                -- the whole report as JSON
    PRIMARY KEY (year, week)
);

-- promotion_signed_off: one row per human sign-off; `signoffs()` reads them in append order,
-- each from its audit record.
CREATE TABLE signoffs (
    audit_seq BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    by_name   TEXT        NOT NULL,                                   -- who signed
    note      TEXT        NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
