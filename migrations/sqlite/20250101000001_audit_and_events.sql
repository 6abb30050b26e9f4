-- Rampart schema, SQLite, version 1 (issue: storage).
--
-- One append = one transaction: the batch row, its audit records (hash chain) and
-- the projections of those records (signals, decisions, fills, alerts, ...) are written
-- together or not at all. Projections point at their audit record (audit_seq) and keep
-- only what queries filter on; the full event is the audit record's JSON.
--
-- Timestamps are TEXT in fixed-width RFC 3339 UTC ('2024-01-01T00:00:00.000000000Z')
-- so that text order is time order. Money and quantities stay inside the JSON as
-- decimal strings (never floats).
--
-- Tables of ARCHITECTURE.md section 5 that later issues add: positions,
-- risk_book_snapshots, shadow_decisions, strategy_weights, daily_reports,
-- weekly_reports, instance_lease (PostgreSQL only).

-- Marks the file as Rampart's ('RMPT'); a file with another application id is refused.
PRAGMA application_id = 1380798548;

-- One row per stored market event (the idempotency key) with the state after it.
CREATE TABLE event_batches (
    batch_id    INTEGER PRIMARY KEY,           -- append order
    event_id    TEXT    NOT NULL UNIQUE,
    at          TEXT    NOT NULL,
    event_count INTEGER NOT NULL CHECK (event_count >= 0),
    state       TEXT                            -- JSON; NULL when the batch had no snapshot
);
CREATE INDEX event_batches_with_state ON event_batches (batch_id) WHERE state IS NOT NULL;

-- The audit trail: append-only, hash-chained (docs/storage.md).
CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY CHECK (seq >= 1),  -- 1, 2, 3, ... without gaps
    batch_id   INTEGER NOT NULL REFERENCES event_batches (batch_id),
    event_id   TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    event_type TEXT    NOT NULL,
    event      TEXT    NOT NULL,                      -- canonical JSON: the bytes hashed
    prev_hash  TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash       TEXT    NOT NULL CHECK (length(hash) = 64)
);
CREATE INDEX audit_events_batch ON audit_events (batch_id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

-- The last link. The database itself keeps it: every inserted record must carry the next
-- seq and link to the head's hash, and becomes the new head (trigger below). So no writer,
-- however buggy or stale its view, can fork the chain, and `verify` notices records deleted
-- from the end.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL CHECK (seq >= 0),
    hash TEXT    NOT NULL CHECK (length(hash) = 64)
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_link BEFORE INSERT ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit chain: record does not link to the head')
    WHERE NEW.seq IS NOT (SELECT seq + 1 FROM audit_head WHERE id = 1)
       OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head WHERE id = 1);
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
END;

-- Orders, written ahead of sending (put_order); `body` is the domain Order as JSON.
CREATE TABLE orders (
    client_order_id TEXT    PRIMARY KEY,
    venue_order_id  TEXT,
    symbol          TEXT    NOT NULL,
    side            TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
    status          TEXT    NOT NULL,
    terminal        INTEGER NOT NULL CHECK (terminal IN (0, 1)),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    body            TEXT    NOT NULL
);
CREATE INDEX orders_open ON orders (created_at, client_order_id) WHERE terminal = 0;

-- Projections of audit events.
CREATE TABLE signals (
    audit_seq  INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    symbol     TEXT NOT NULL,
    side       TEXT NOT NULL,
    strategy   TEXT NOT NULL,
    tier       TEXT NOT NULL,
    confidence TEXT NOT NULL,
    ts         TEXT NOT NULL
);
CREATE INDEX signals_ts ON signals (ts, audit_seq);

-- trade_approved, trade_rejected, turnover_blocked.
CREATE TABLE decisions (
    audit_seq       INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    verdict         TEXT NOT NULL CHECK (verdict IN ('approved', 'rejected', 'turnover_blocked')),
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL,
    strategy        TEXT NOT NULL,
    client_order_id TEXT,
    at              TEXT NOT NULL
);
CREATE INDEX decisions_at ON decisions (at, audit_seq);

CREATE TABLE decision_reasons (
    audit_seq INTEGER NOT NULL REFERENCES decisions (audit_seq),
    position  INTEGER NOT NULL,
    code      TEXT    NOT NULL,
    PRIMARY KEY (audit_seq, position)
);
CREATE INDEX decision_reasons_code ON decision_reasons (code);

CREATE TABLE fills (
    audit_seq       INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    client_order_id TEXT NOT NULL,
    trade_id        TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL,
    ts              TEXT NOT NULL,
    UNIQUE (client_order_id, trade_id)
);
CREATE INDEX fills_ts ON fills (ts, audit_seq);

-- Capital-preservation level transitions; the latest row is the current level.
CREATE TABLE capital_preservation_state (
    audit_seq          INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    from_level         TEXT    NOT NULL,
    to_level           TEXT    NOT NULL,
    cause              TEXT    NOT NULL,
    consecutive_losses INTEGER NOT NULL,
    at                 TEXT    NOT NULL
);

CREATE TABLE kill_switch_events (
    audit_seq INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    active    INTEGER NOT NULL CHECK (active IN (0, 1)),
    source    TEXT,                                  -- file, environment, stored (activations)
    at        TEXT    NOT NULL
);

CREATE TABLE alerts (
    audit_seq INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    severity  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    symbol    TEXT,
    at        TEXT NOT NULL
);
CREATE INDEX alerts_at ON alerts (at, audit_seq);

CREATE TABLE job_runs (
    audit_seq     INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    job           TEXT NOT NULL,
    status        TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL
);
CREATE INDEX job_runs_job ON job_runs (job, scheduled_for);

-- Latest heartbeat per runtime instance (not part of the audit trail).
CREATE TABLE heartbeats (
    instance TEXT PRIMARY KEY,
    at       TEXT NOT NULL,
    detail   TEXT NOT NULL
);
