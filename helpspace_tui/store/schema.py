"""The store's schema as numbered migrations (PRAGMA user_version).

Designed for the whole SPEC from the start so later work adds columns, not rebuilds:
tickets with S4 timers, team + agent assignment (A1), trash as a mark (V8), tombstones,
followers and notifications (W1, R5), history, drafts (R6), outbox (R6), quick replies,
tasks (C3), mail locations per folder/UIDVALIDITY/UID (M3) and FTS5 search.
"""

MIGRATIONS: list[str] = [
    # 1: the whole model
    """
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );

    CREATE TABLE agents (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
        email      TEXT,
        os_user    TEXT UNIQUE,
        is_admin   INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        removed_at TEXT
    );

    CREATE TABLE teams (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at TEXT NOT NULL
    );

    CREATE TABLE team_members (
        team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        PRIMARY KEY (team_id, agent_id)
    );

    CREATE TABLE customers (
        id         INTEGER PRIMARY KEY,
        email      TEXT NOT NULL UNIQUE,
        name       TEXT NOT NULL DEFAULT '',
        phone      TEXT,
        company    TEXT,
        notes      TEXT,
        created_at TEXT NOT NULL
    );

    CREATE TABLE tickets (
        id               INTEGER PRIMARY KEY,
        subject          TEXT NOT NULL,
        customer_id      INTEGER NOT NULL REFERENCES customers(id),
        status           TEXT NOT NULL,
        previous_status  TEXT,
        assignee_id      INTEGER REFERENCES agents(id),
        team_id          INTEGER REFERENCES teams(id),
        waiting_until    TEXT,
        waiting_then     TEXT,
        trashed_at       TEXT,
        channel          TEXT NOT NULL DEFAULT 'email',
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        last_customer_at TEXT NOT NULL,
        message_count    INTEGER NOT NULL DEFAULT 0,
        -- S7 order, kept next to the data so lists page through an index
        status_rank      INTEGER GENERATED ALWAYS AS (
            CASE status WHEN 'escalated' THEN 0 WHEN 'open' THEN 1 WHEN 'waiting' THEN 2
                        WHEN 'closed' THEN 3 ELSE 4 END) VIRTUAL
    );
    CREATE INDEX tickets_order    ON tickets(status_rank, last_customer_at DESC, id DESC);
    CREATE INDEX tickets_assignee ON tickets(assignee_id, status);
    CREATE INDEX tickets_team     ON tickets(team_id, status);
    CREATE INDEX tickets_customer ON tickets(customer_id);
    CREATE INDEX tickets_timer    ON tickets(waiting_until) WHERE waiting_until IS NOT NULL;
    CREATE INDEX tickets_trash    ON tickets(trashed_at) WHERE trashed_at IS NOT NULL;

    CREATE TABLE tags (
        ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        tag       TEXT NOT NULL,
        PRIMARY KEY (ticket_id, tag)
    );
    CREATE INDEX tags_tag ON tags(tag);

    CREATE TABLE followers (
        ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        agent_id  INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        PRIMARY KEY (ticket_id, agent_id)
    );
    CREATE INDEX followers_agent ON followers(agent_id);

    -- every mail exactly as received, stored once (content_hash), before any parsing
    CREATE TABLE raw_mails (
        id           INTEGER PRIMARY KEY,
        message_id   TEXT,
        content_hash TEXT NOT NULL UNIQUE,
        raw          BLOB NOT NULL,
        internaldate TEXT,
        fetched_at   TEXT NOT NULL,
        state        TEXT NOT NULL DEFAULT 'new',   -- new | ingested | failed
        error        TEXT
    );
    CREATE INDEX raw_mails_state ON raw_mails(state);

    -- where each mail was seen on the server (M3: folder + UIDVALIDITY + UID)
    CREATE TABLE mail_locations (
        folder      TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        raw_id      INTEGER REFERENCES raw_mails(id) ON DELETE SET NULL,
        PRIMARY KEY (folder, uidvalidity, uid)
    );

    CREATE TABLE sync_state (
        folder        TEXT PRIMARY KEY,
        uidvalidity   INTEGER,
        last_uid      INTEGER NOT NULL DEFAULT 0,
        last_sync_at  TEXT,
        last_error    TEXT,
        last_error_at TEXT
    );

    CREATE TABLE messages (
        id                 INTEGER PRIMARY KEY,
        ticket_id          INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        kind               TEXT NOT NULL,
        raw_id             INTEGER REFERENCES raw_mails(id) ON DELETE SET NULL,
        message_id         TEXT,
        author_id          INTEGER REFERENCES agents(id),
        from_name          TEXT NOT NULL DEFAULT '',
        from_addr          TEXT NOT NULL DEFAULT '',
        to_json            TEXT NOT NULL DEFAULT '[]',
        cc_json            TEXT NOT NULL DEFAULT '[]',
        subject            TEXT NOT NULL DEFAULT '',
        text               TEXT NOT NULL DEFAULT '',
        html               TEXT,
        date               TEXT NOT NULL,
        created_at         TEXT NOT NULL,
        thread_reason      TEXT NOT NULL DEFAULT '',
        bounced_message_id TEXT
    );
    CREATE INDEX messages_ticket ON messages(ticket_id, date, id);
    CREATE INDEX messages_msgid  ON messages(message_id);

    -- every Message-ID we stored or saw referenced -> its ticket (M2 ghosts included)
    CREATE TABLE thread_ids (
        msgid     TEXT PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        seen      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX thread_ids_ticket ON thread_ids(ticket_id);

    CREATE TABLE attachments (
        id           INTEGER PRIMARY KEY,
        message_pk   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        filename     TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size         INTEGER NOT NULL,
        content      BLOB NOT NULL,
        content_id   TEXT,
        inline       INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX attachments_message ON attachments(message_pk);

    -- R6: what we send waits here until one process has delivered it
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        message_pk      INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        ticket_id       INTEGER NOT NULL,
        raw             BLOB NOT NULL,
        mail_from       TEXT NOT NULL,
        rcpt_json       TEXT NOT NULL,
        state           TEXT NOT NULL DEFAULT 'queued',  -- queued | sending | sent | failed
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        next_attempt_at TEXT NOT NULL,
        claimed_by      TEXT,
        claimed_at      TEXT,
        sent_at         TEXT,
        created_at      TEXT NOT NULL
    );
    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

    CREATE TABLE events (
        id        INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        actor_id  INTEGER REFERENCES agents(id),
        kind      TEXT NOT NULL,
        detail    TEXT NOT NULL DEFAULT '',
        at        TEXT NOT NULL
    );
    CREATE INDEX events_ticket ON events(ticket_id, at);

    CREATE TABLE notifications (
        id         INTEGER PRIMARY KEY,
        agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        text       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        read_at    TEXT
    );
    CREATE INDEX notifications_agent ON notifications(agent_id, read_at);

    CREATE TABLE drafts (
        agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,   -- reply | note | forward
        body       TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, ticket_id, kind)
    );

    CREATE TABLE quick_replies (
        id         INTEGER PRIMARY KEY,
        title      TEXT NOT NULL UNIQUE,
        body       TEXT NOT NULL,
        created_at TEXT NOT NULL
    );

    CREATE TABLE tasks (
        id          INTEGER PRIMARY KEY,
        ticket_id   INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        title       TEXT NOT NULL,
        assignee_id INTEGER REFERENCES agents(id),
        due         TEXT,
        done        INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL
    );

    -- V8: mails of tickets removed for good, so a resync never brings them back
    CREATE TABLE tombstones (
        content_hash TEXT PRIMARY KEY,
        message_id   TEXT,
        at           TEXT NOT NULL
    );

    CREATE VIRTUAL TABLE messages_fts USING fts5(
        subject, text, content='messages', content_rowid='id'
    );
    CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, subject, text) VALUES (new.id, new.subject, new.text);
    END;
    CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, subject, text)
        VALUES ('delete', old.id, old.subject, old.text);
    END;
    CREATE TRIGGER messages_au AFTER UPDATE OF subject, text ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, subject, text)
        VALUES ('delete', old.id, old.subject, old.text);
        INSERT INTO messages_fts(rowid, subject, text) VALUES (new.id, new.subject, new.text);
    END;
    """,
    # 2: issue 5: who caused a notification; tombstones found by Message-ID too (V8);
    #    reports (T2) and purges read tickets by time
    """
    ALTER TABLE notifications ADD COLUMN actor_id INTEGER REFERENCES agents(id) ON DELETE SET NULL;
    CREATE INDEX tombstones_msgid ON tombstones(message_id) WHERE message_id IS NOT NULL;
    CREATE INDEX tickets_updated ON tickets(updated_at);
    """,
]
