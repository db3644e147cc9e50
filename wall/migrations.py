"""The store's schema, as an ordered list of migrations.

``PRAGMA user_version`` records how many have run. A migration is never edited once it has
shipped: a change to the schema is a new entry at the end of the list.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE events (
        slug TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        settings TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        event TEXT NOT NULL REFERENCES events(slug),
        network TEXT NOT NULL,
        network_id TEXT NOT NULL,
        status TEXT NOT NULL,
        data TEXT NOT NULL,
        reason TEXT NOT NULL,
        rule TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        received_at TEXT NOT NULL,
        updated_seq INTEGER NOT NULL,
        UNIQUE (event, network, network_id)
    );
    CREATE INDEX posts_by_status ON posts (event, status, updated_seq);
    CREATE TABLE log (
        seq INTEGER PRIMARY KEY,
        event TEXT NOT NULL,
        type TEXT NOT NULL,
        post_id INTEGER,
        audience TEXT NOT NULL,
        actor TEXT,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX log_by_event ON log (event, seq);
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('moderator', 'organiser')),
        created_at TEXT NOT NULL
    );
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 2: where each source left off (Mastodon's newest id, Jetstream's time_us, an ETag...).
    """
    CREATE TABLE source_state (
        event TEXT NOT NULL,
        source TEXT NOT NULL,
        cursor TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (event, source)
    );
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 3: what the screens show, as last set live by an organiser.
    """
    CREATE TABLE event_display (
        event TEXT PRIMARY KEY REFERENCES events(slug),
        data TEXT NOT NULL,
        updated_by TEXT,
        updated_at TEXT NOT NULL
    );
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 4: an event's settings as changed live by an organiser (hashtags, rules, sources),
    # applied over the config file's at every start.
    """
    CREATE TABLE event_overrides (
        event TEXT PRIMARY KEY REFERENCES events(slug),
        data TEXT NOT NULL,
        updated_by TEXT,
        updated_at TEXT NOT NULL
    );
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 5: the moderation desk. A post's pin, hidden media and reply; for the audit and for
    # undo, each log entry's action (NULL: a rule, the network, or the second message of
    # a change), the moderator's reason, the post's state before (JSON) and the batch it
    # belongs to (one action over several posts, such as blocking an author); and the
    # authors moderators blocked from a card.
    """
    ALTER TABLE posts ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE posts ADD COLUMN media_hidden INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE posts ADD COLUMN reply TEXT;
    ALTER TABLE log ADD COLUMN action TEXT;
    ALTER TABLE log ADD COLUMN reason TEXT;
    ALTER TABLE log ADD COLUMN prior TEXT;
    ALTER TABLE log ADD COLUMN batch INTEGER;
    UPDATE log SET action = CASE type
        WHEN 'post.approved' THEN 'approve'
        WHEN 'post.rejected' THEN 'reject'
        WHEN 'post.removed' THEN 'remove'
        ELSE type END
    WHERE actor IS NOT NULL;
    CREATE INDEX log_by_post ON log (post_id, seq);
    CREATE TABLE author_rules (
        id INTEGER PRIMARY KEY,
        event TEXT NOT NULL REFERENCES events(slug),
        network TEXT NOT NULL,
        handle TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('allow', 'hold', 'block')),
        why TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL,
        expires_at TEXT,
        lifted_by TEXT,
        lifted_at TEXT
    );
    CREATE INDEX author_rules_by_event ON author_rules (event, network, handle);
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 6: sessions kept on the server, so they can be listed, expire and be revoked. The
    # cookie carries a random id; only its SHA-256 is stored here, so a copy of the
    # database does not hold live cookies. Times are Unix seconds (REAL) because expiry is
    # arithmetic on them. A session goes with its user.
    """
    CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at REAL NOT NULL,
        seen_at REAL NOT NULL,
        address TEXT NOT NULL,
        agent TEXT NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions (username);
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 7: a post's reason as a code and its facts (JSON, see moderation.Why), so pages word
    # it in their reader's language; ``reason`` keeps the English sentence. The same for
    # the reason of a log entry, for the audit.
    """
    ALTER TABLE posts ADD COLUMN why TEXT;
    ALTER TABLE log ADD COLUMN why TEXT;
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 8: events an organiser created from the browser (the file's are read at each start),
    # and events archived (their sources stopped, their screens on a closing slide).
    """
    CREATE TABLE live_events (
        slug TEXT PRIMARY KEY,
        settings TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE archived_events (
        slug TEXT PRIMARY KEY,
        archived_by TEXT NOT NULL,
        archived_at TEXT NOT NULL
    );
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 9: the events a user may act on, as a JSON list of slugs; empty: every event.
    """
    ALTER TABLE users ADD COLUMN events TEXT NOT NULL DEFAULT '[]';
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 10: invitations to become a moderator or an organiser, by link or QR code. Only the
    # token's SHA-256 is kept (a copy of the database opens no door); an invitation is
    # used once (``used_by``), and kept after for the record. Times are Unix seconds.
    """
    CREATE TABLE invites (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('moderator', 'organiser')),
        events TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        used_by TEXT,
        used_at REAL
    );
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 11: how many screens showed each event, minute by minute (the most seen in that
    # minute), for the organiser's figures. A minute with no screen has no row.
    """
    CREATE TABLE screen_minutes (
        event TEXT NOT NULL,
        minute TEXT NOT NULL,
        screens INTEGER NOT NULL,
        PRIMARY KEY (event, minute)
    ) WITHOUT ROWID;
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 12: answers to send as replies on the networks (wall.replier), and edits and deletions
    # of replies sent before. The idempotency key is
    # written before anything is sent, so a crash or a timeout between sending and hearing
    # back retries with the same key and never posts twice. Times are Unix seconds.
    """
    CREATE TABLE reply_outbox (
        id INTEGER PRIMARY KEY,
        event TEXT NOT NULL,
        post_id INTEGER NOT NULL,
        reply_at TEXT NOT NULL,
        network TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        target TEXT NOT NULL,
        author TEXT NOT NULL,
        -- "reply" writes a new reply under target; "edit" and "delete" act on the reply
        -- published before (target: its id on the network).
        kind TEXT NOT NULL DEFAULT 'reply',
        state TEXT NOT NULL DEFAULT 'sending',
        remote_id TEXT,
        url TEXT,
        why TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at REAL NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX reply_outbox_due ON reply_outbox (state, next_at);
    """,
)

MIGRATIONS = (
    *MIGRATIONS,
    # 13: which Murmur process is sending an outbox row, until when (Unix seconds). With
    # several processes on one store, one sends a row; if it dies mid-send, another takes
    # the row once the lease ends, with the same idempotency key.
    """
    ALTER TABLE reply_outbox ADD COLUMN leased_until REAL;
    """,
)
