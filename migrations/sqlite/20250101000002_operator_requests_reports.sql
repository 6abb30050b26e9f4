-- Rampart schema, SQLite, version 2 (issue: operator requests, daily reports).
--
-- Timestamps are TEXT in fixed-width RFC 3339 UTC, as in version 1; JSON is TEXT.

-- Operator requests (CLI, HTTP, Telegram) waiting for the runtime that owns the account.
-- There is no "applied" column: a request is applied exactly when the batch with event id
-- 'operator_request:<id>' is stored in event_batches, so applying it and marking it applied
-- are one append, and re-applying is the idempotent no-op. AUTOINCREMENT: an id is never
-- reused, even after the row with the highest id is removed.
CREATE TABLE operator_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- 1, 2, 3, ... in enqueue order
    command      TEXT    NOT NULL,                   -- OperatorCommand as JSON
    actor        TEXT    NOT NULL,                   -- Actor as JSON
    requested_at TEXT    NOT NULL
);

-- One daily report per trading day (UTC date); a report put again for a date replaces it.
CREATE TABLE daily_reports (
    date           TEXT PRIMARY KEY CHECK (length(date) = 10),  -- 'YYYY-MM-DD': text order is date order
    generated_at   TEXT NOT NULL,
    mode           TEXT NOT NULL,                                 -- dry-run, paper, live
    overall_health TEXT NOT NULL,                                 -- HEALTHY, WARNING, CRITICAL
    body           TEXT NOT NULL                                  -- the whole report as JSON
);

-- events_between(from, to): audit records by batch time, returned in seq order.
CREATE INDEX audit_events_at ON audit_events (at, seq);
