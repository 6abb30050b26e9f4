-- Rampart schema, PostgreSQL, version 2 (issue: operator requests, daily reports).
-- Same tables as SQLite. JSON is TEXT, as in version 1 (cast to jsonb to query it).

-- Operator requests (CLI, HTTP, Telegram) waiting for the runtime that owns the account.
-- There is no "applied" column: a request is applied exactly when the batch with event id
-- 'operator_request:<id>' is stored in event_batches, so applying it and marking it applied
-- are one append, and re-applying is the idempotent no-op.
--
-- No sequence: the adapter assigns max(id) + 1 while holding a SHARE ROW EXCLUSIVE lock on
-- this table until commit. A sequence leaves gaps on rollback and lets a later id commit
-- before an earlier one, so a runtime polling meanwhile could apply requests out of order.
CREATE TABLE operator_requests (
    id           BIGINT      PRIMARY KEY CHECK (id >= 1),  -- 1, 2, 3, ... in enqueue order
    command      TEXT        NOT NULL,                     -- OperatorCommand as JSON
    actor        TEXT        NOT NULL,                     -- Actor as JSON
    requested_at TIMESTAMPTZ NOT NULL
);

-- One daily report per trading day (UTC date); a report put again for a date replaces it.
CREATE TABLE daily_reports (
    date           DATE        PRIMARY KEY,
    generated_at   TIMESTAMPTZ NOT NULL,
    mode           TEXT        NOT NULL,  -- dry-run, paper, live
    overall_health TEXT        NOT NULL,  -- HEALTHY, WARNING, CRITICAL
    body           TEXT        NOT NULL   -- the whole report as JSON
);

-- events_between(from, to): audit records by batch time, returned in seq order.
CREATE INDEX audit_events_at ON audit_events (at, seq);
