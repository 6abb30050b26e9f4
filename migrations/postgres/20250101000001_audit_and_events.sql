-- Rampart schema, PostgreSQL, version 1 (issue: storage). Same tables as SQLite.
--
-- One append = one transaction: the batch row, its audit records (hash chain) and
-- the projections of those records (signals, decisions, fills, alerts, ...) are written
-- together or not at all. Projections point at their audit record (audit_seq) and keep
-- only what queries filter on; the full event is the audit record's JSON.
--
-- JSON is kept as TEXT: audit events must keep their exact bytes (they are hashed),
-- and state / order bodies are read back whole. Cast to jsonb to query them.
--
-- Tables of ARCHITECTURE.md section 5 that later issues add: positions,
-- risk_book_snapshots, shadow_decisions, strategy_weights, daily_reports,
-- weekly_reports, instance_lease (advisory lock + heartbeat row).

-- One row per stored market event (the idempotency key) with the state after it.
CREATE TABLE event_batches (
    batch_id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- append order
    event_id    TEXT        NOT NULL UNIQUE,
    at          TIMESTAMPTZ NOT NULL,
    event_count INTEGER     NOT NULL CHECK (event_count >= 0),
    state       TEXT                                              -- JSON; NULL: no snapshot
);
CREATE INDEX event_batches_with_state ON event_batches (batch_id) WHERE state IS NOT NULL;

-- The audit trail: append-only, hash-chained (docs/storage.md).
CREATE TABLE audit_events (
    seq        BIGINT      PRIMARY KEY CHECK (seq >= 1),         -- 1, 2, 3, ... without gaps
    batch_id   BIGINT      NOT NULL REFERENCES event_batches (batch_id),
    event_id   TEXT        NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    event_type TEXT        NOT NULL,
    event      TEXT        NOT NULL,                             -- canonical JSON: the bytes hashed
    prev_hash  TEXT        NOT NULL CHECK (length(prev_hash) = 64),
    hash       TEXT        NOT NULL CHECK (length(hash) = 64)
);
CREATE INDEX audit_events_batch ON audit_events (batch_id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- The last link. Appends lock it (FOR UPDATE) first, which serialises the appends of every
-- instance sharing the database. The database itself keeps it: every inserted record must
-- carry the next seq and link to the head's hash, and becomes the new head (trigger below),
-- so no writer can fork the chain, and `verify` notices records deleted from the end.
CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT   NOT NULL CHECK (seq >= 0),
    hash TEXT     NOT NULL CHECK (length(hash) = 64)
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head audit_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM audit_head WHERE id = 1 FOR UPDATE;
    IF NEW.seq IS DISTINCT FROM head.seq + 1 OR NEW.prev_hash IS DISTINCT FROM head.hash THEN
        RAISE EXCEPTION 'audit chain: record % does not link to the head (seq %)', NEW.seq, head.seq;
    END IF;
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_events_link BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_link();

-- Orders, written ahead of sending (put_order); `body` is the domain Order as JSON.
CREATE TABLE orders (
    client_order_id TEXT        PRIMARY KEY,
    venue_order_id  TEXT,
    symbol          TEXT        NOT NULL,
    side            TEXT        NOT NULL CHECK (side IN ('buy', 'sell')),
    status          TEXT        NOT NULL,
    terminal        BOOLEAN     NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    body            TEXT        NOT NULL
);
CREATE INDEX orders_open ON orders (created_at, client_order_id) WHERE NOT terminal;

-- Projections of audit events.
CREATE TABLE signals (
    audit_seq  BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    symbol     TEXT        NOT NULL,
    side       TEXT        NOT NULL,
    strategy   TEXT        NOT NULL,
    tier       TEXT        NOT NULL,
    confidence NUMERIC     NOT NULL,
    ts         TIMESTAMPTZ NOT NULL
);
CREATE INDEX signals_ts ON signals (ts, audit_seq);

-- trade_approved, trade_rejected, turnover_blocked.
CREATE TABLE decisions (
    audit_seq       BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    verdict         TEXT        NOT NULL CHECK (verdict IN ('approved', 'rejected', 'turnover_blocked')),
    symbol          TEXT        NOT NULL,
    side            TEXT        NOT NULL,
    strategy        TEXT        NOT NULL,
    client_order_id TEXT,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX decisions_at ON decisions (at, audit_seq);

CREATE TABLE decision_reasons (
    audit_seq BIGINT  NOT NULL REFERENCES decisions (audit_seq),
    position  INTEGER NOT NULL,
    code      TEXT    NOT NULL,
    PRIMARY KEY (audit_seq, position)
);
CREATE INDEX decision_reasons_code ON decision_reasons (code);

CREATE TABLE fills (
    audit_seq       BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    client_order_id TEXT        NOT NULL,
    trade_id        TEXT        NOT NULL,
    symbol          TEXT        NOT NULL,
    side            TEXT        NOT NULL,
    ts              TIMESTAMPTZ NOT NULL,
    UNIQUE (client_order_id, trade_id)
);
CREATE INDEX fills_ts ON fills (ts, audit_seq);

-- Capital-preservation level transitions; the latest row is the current level.
CREATE TABLE capital_preservation_state (
    audit_seq          BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    from_level         TEXT        NOT NULL,
    to_level           TEXT        NOT NULL,
    cause              TEXT        NOT NULL,
    consecutive_losses INTEGER     NOT NULL,
    at                 TIMESTAMPTZ NOT NULL
);

CREATE TABLE kill_switch_events (
    audit_seq BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    active    BOOLEAN     NOT NULL,
    source    TEXT,                                   -- file, environment, stored (activations)
    at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE alerts (
    audit_seq BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    severity  TEXT        NOT NULL,
    kind      TEXT        NOT NULL,
    symbol    TEXT,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX alerts_at ON alerts (at, audit_seq);

CREATE TABLE job_runs (
    audit_seq     BIGINT      PRIMARY KEY REFERENCES audit_events (seq),
    job           TEXT        NOT NULL,
    status        TEXT        NOT NULL,
    scheduled_for TIMESTAMPTZ NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX job_runs_job ON job_runs (job, scheduled_for);

-- Latest heartbeat per runtime instance (not part of the audit trail).
CREATE TABLE heartbeats (
    instance TEXT        PRIMARY KEY,
    at       TIMESTAMPTZ NOT NULL,
    detail   TEXT        NOT NULL
);
