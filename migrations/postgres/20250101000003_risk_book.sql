-- Rampart schema, PostgreSQL, version 3 (issue: account rules / risk book). Same tables as SQLite.
--
-- Money and percentages are NUMERIC, times TIMESTAMPTZ (microseconds), JSON is TEXT as in
-- version 1 (the exact bytes written; cast to jsonb to query it). As for every projection, the
-- audit record's JSON is the truth: these rows keep what queries filter on, and the whole value
-- for reading it back without parsing the event.

-- risk_book_snapshot: the account's limits and progress (every 5 minutes and after every fill).
-- `latest_risk_book()` reads the row with the latest `at` (the later appended among equal times;
-- `at` is cut to microseconds, so the adapter settles ties within one on the book's own time).
CREATE TABLE risk_book_snapshots (
    audit_seq             BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    at                    TIMESTAMPTZ NOT NULL,               -- book.at
    phase                 TEXT        NOT NULL,               -- rule set / phase name
    equity                NUMERIC     NOT NULL,
    balance               NUMERIC     NOT NULL,
    daily_floor           NUMERIC     NOT NULL,               -- the firm's daily-loss floor
    max_loss_floor        NUMERIC     NOT NULL,               -- the firm's maximum-loss floor
    daily_utilisation_pct NUMERIC     NOT NULL,
    total_utilisation_pct NUMERIC     NOT NULL,
    trading_days          BIGINT      NOT NULL CHECK (trading_days >= 0),
    status                TEXT        NOT NULL,               -- active, passed, halted, failed
    book                  TEXT        NOT NULL                -- the whole RiskBook as JSON
);
CREATE INDEX risk_book_snapshots_at ON risk_book_snapshots (at, audit_seq);

-- account_rule_breached: equity went below one of the account's floors.
CREATE TABLE account_breaches (
    audit_seq BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    at        TIMESTAMPTZ NOT NULL,                           -- breach.at
    rules     TEXT        NOT NULL,                           -- the rule set (e.g. ftmo-2step-challenge)
    rule      TEXT        NOT NULL,                           -- daily_loss, max_loss
    line      TEXT        NOT NULL,                           -- buffered (our guard line), firm
    equity    NUMERIC     NOT NULL,
    floor     NUMERIC     NOT NULL,                           -- the floor of the line crossed
    detail    TEXT        NOT NULL                            -- the whole AccountBreach as JSON
);
CREATE INDEX account_breaches_at ON account_breaches (at, audit_seq);
