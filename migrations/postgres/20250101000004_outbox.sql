-- Rampart schema, PostgreSQL, version 4 (issue: Telegram / AlertOutbox port). Same tables as
-- SQLite.
--
-- What an operator channel must remember across restarts (domain::ports::AlertOutbox): the
-- alert outbox, the read position of the command channel, and the ignored commands. Not part of
-- the audit trail. Times are TIMESTAMPTZ (microseconds); enum values are their serde names; TEXT
-- cannot hold NUL, so the adapter replaces it with U+FFFD in these plain text columns.

-- One row per message to deliver, written before any attempt. An identity never goes back, so
-- ids keep increasing across restarts (with gaps after rollbacks, which the port allows).
CREATE TABLE outbox_entries (
    id                 BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- in enqueue order
    channel            TEXT        NOT NULL,                   -- telegram
    chat_id            BIGINT      NOT NULL,
    text               TEXT        NOT NULL,                   -- exactly as it will be sent
    severity           TEXT        NOT NULL,                   -- INFO, WARNING, CRITICAL
    kind               TEXT,                                   -- AlertKind; NULL: no alert (replies)
    created_at         TIMESTAMPTZ NOT NULL,
    status             TEXT        NOT NULL DEFAULT 'pending'
                                   CHECK (status IN ('pending', 'sent', 'failed')),
    attempts           BIGINT      NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- failed attempts
    last_attempt_at    TIMESTAMPTZ,                            -- of the last failed attempt
    last_error         TEXT,
    sent_at            TIMESTAMPTZ,                            -- the first confirmation
    channel_message_id BIGINT,
    failed_at          TIMESTAMPTZ,                            -- when it was given up
    CHECK ((status = 'sent') = (sent_at IS NOT NULL AND channel_message_id IS NOT NULL)),
    CHECK (status <> 'failed' OR failed_at IS NOT NULL)
);
-- pending(limit): the unconfirmed entries, oldest id first.
CREATE INDEX outbox_entries_pending ON outbox_entries (id) WHERE status = 'pending';

-- The read position (getUpdates offset) per inbound channel; it only moves forward.
CREATE TABLE command_offsets (
    channel     TEXT   PRIMARY KEY,
    read_offset BIGINT NOT NULL                                -- next update id to fetch
);

-- Inbound commands that were not obeyed (foreign user or chat, unknown command, ...).
CREATE TABLE ignored_commands (
    id        BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- in recording order
    channel   TEXT        NOT NULL,
    update_id BIGINT      NOT NULL,
    chat_id   BIGINT      NOT NULL,
    user_id   BIGINT,                                        -- NULL: no sender
    username  TEXT,                                          -- informative only
    text      TEXT        NOT NULL,
    reason    TEXT        NOT NULL,                          -- IgnoreReason (user_not_allowed, ...)
    at        TIMESTAMPTZ NOT NULL
);
