-- Rampart schema, SQLite, version 4 (issue: Telegram / AlertOutbox port).
--
-- What an operator channel must remember across restarts (domain::ports::AlertOutbox): the
-- alert outbox, the read position of the command channel, and the ignored commands. Not part of
-- the audit trail. Timestamps are TEXT in fixed-width RFC 3339 UTC with nanoseconds, as in
-- version 1; enum values are their serde names.

-- One row per message to deliver, written before any attempt. AUTOINCREMENT: an id is never
-- reused, so ids keep increasing across restarts even if rows are ever removed.
CREATE TABLE outbox_entries (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,  -- in enqueue order
    channel            TEXT    NOT NULL,                   -- telegram
    chat_id            INTEGER NOT NULL,
    text               TEXT    NOT NULL,                   -- exactly as it will be sent
    severity           TEXT    NOT NULL,                   -- INFO, WARNING, CRITICAL
    kind               TEXT,                               -- AlertKind; NULL: no alert (replies)
    created_at         TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'pending'
                               CHECK (status IN ('pending', 'sent', 'failed')),
    attempts           INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- failed attempts
    last_attempt_at    TEXT,                               -- of the last failed attempt
    last_error         TEXT,
    sent_at            TEXT,                               -- the first confirmation
    channel_message_id INTEGER,
    failed_at          TEXT,                               -- when it was given up
    CHECK ((status = 'sent') = (sent_at IS NOT NULL AND channel_message_id IS NOT NULL)),
    CHECK (status <> 'failed' OR failed_at IS NOT NULL)
);
-- pending(limit): the unconfirmed entries, oldest id first.
CREATE INDEX outbox_entries_pending ON outbox_entries (id) WHERE status = 'pending';

-- The read position (getUpdates offset) per inbound channel; it only moves forward.
CREATE TABLE command_offsets (
    channel     TEXT    PRIMARY KEY,
    read_offset INTEGER NOT NULL                            -- next update id to fetch
);

-- Inbound commands that were not obeyed (foreign user or chat, unknown command, ...).
CREATE TABLE ignored_commands (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,             -- in recording order
    channel   TEXT    NOT NULL,
    update_id INTEGER NOT NULL,
    chat_id   INTEGER NOT NULL,
    user_id   INTEGER,                                       -- NULL: no sender
    username  TEXT,                                          -- informative only
    text      TEXT    NOT NULL,
    reason    TEXT    NOT NULL,                              -- IgnoreReason (user_not_allowed, ...)
    at        TEXT    NOT NULL
);
