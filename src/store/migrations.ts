/**
 * Schema migrations, applied in order by `PRAGMA user_version`. Append only: a released migration is
 * never edited, because stations in the field have already run it.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the session ledger, the outbox and station metadata.
  `
  CREATE TABLE sessions (
    id                TEXT PRIMARY KEY,
    station_id        TEXT NOT NULL,
    plugged_at        TEXT NOT NULL,
    started_at        TEXT,
    ended_at          TEXT,
    token_id          TEXT,
    pev_id            TEXT,
    authorized        INTEGER NOT NULL DEFAULT 0,
    start_register_wh INTEGER,
    last_register_wh  INTEGER,
    stop_register_wh  INTEGER,
    start_export_wh   INTEGER,
    last_export_wh    INTEGER,
    stop_export_wh    INTEGER,
    energy_wh         INTEGER,
    export_wh         INTEGER,
    stop_reason       TEXT,
    flags             TEXT NOT NULL DEFAULT '[]',
    CHECK (ended_at IS NULL OR stop_reason IS NOT NULL),
    CHECK (energy_wh IS NULL OR energy_wh >= 0)
  );
  -- One plug-in, one open session: a second start for the same station cannot be written.
  CREATE UNIQUE INDEX sessions_one_open ON sessions(station_id) WHERE ended_at IS NULL;
  CREATE INDEX sessions_plugged_at ON sessions(plugged_at);

  CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: the uplink's persisted window of seen command ids (replays are rejected).
  `
  CREATE TABLE seen_commands (
    n       INTEGER PRIMARY KEY AUTOINCREMENT,
    cmd_id  TEXT NOT NULL UNIQUE,
    command TEXT NOT NULL,
    seen_at TEXT NOT NULL
  );
  `,
  // 3: EUMD metering intervals (one row per clock-aligned interval of a session) and the open interval's
  //    cursor (one row per open session), written in the same durable commit as the `interval` record.
  `
  CREATE TABLE intervals (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id        TEXT REFERENCES sessions(id),
    start             TEXT NOT NULL,
    start_ms          INTEGER NOT NULL,
    duration_s        INTEGER NOT NULL CHECK (duration_s > 0),
    import_wh         INTEGER NOT NULL CHECK (import_wh >= 0),
    export_wh         INTEGER NOT NULL CHECK (export_wh >= 0),
    start_register_wh INTEGER NOT NULL,
    end_register_wh   INTEGER NOT NULL,
    start_export_wh   INTEGER NOT NULL,
    end_export_wh     INTEGER NOT NULL,
    pev_id            TEXT,
    premise_id        TEXT,
    account           TEXT,
    program           TEXT,
    tariff_id         TEXT,
    period            TEXT,
    currency          TEXT,
    price_e4          INTEGER,
    cost_e7           INTEGER,
    flags             TEXT NOT NULL DEFAULT '[]',
    seq               INTEGER NOT NULL
  );
  -- An interval is stamped once per session: a restart or a clock step can never write it twice.
  CREATE UNIQUE INDEX intervals_once ON intervals(coalesce(session_id, ''), start_ms);
  CREATE INDEX intervals_start ON intervals(start);

  CREATE TABLE interval_cursor (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    state      TEXT NOT NULL
  );
  `,
  // 4: authorization (local list in two slots keyed by the idTag's keyed hash, staged Differentials, the
  //    cache of online answers), stored PEV program bindings, and each session's attribution.
  `
  CREATE TABLE auth_list_entries (
    slot       INTEGER NOT NULL CHECK (slot IN (0, 1)),
    key        BLOB NOT NULL,
    status     TEXT NOT NULL,
    expiry_ms  INTEGER,
    parent_key BLOB,
    PRIMARY KEY (slot, key)
  ) WITHOUT ROWID;

  CREATE TABLE auth_list_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    version         INTEGER NOT NULL,
    slot            INTEGER NOT NULL,
    staging_version INTEGER,
    staging_type    TEXT,
    staging_parts   INTEGER NOT NULL DEFAULT 0,
    staging_total   INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO auth_list_state (id, version, slot) VALUES (1, 0, 0);

  CREATE TABLE auth_list_pending (
    n          INTEGER PRIMARY KEY AUTOINCREMENT,
    key        BLOB NOT NULL,
    status     TEXT,
    expiry_ms  INTEGER,
    parent_key BLOB
  );

  CREATE TABLE auth_cache (
    key          BLOB PRIMARY KEY,
    status       TEXT NOT NULL,
    expiry_ms    INTEGER,
    parent_key   BLOB,
    limits       TEXT NOT NULL,
    cached_at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX auth_cache_age ON auth_cache(cached_at_ms);

  CREATE TABLE pev_bindings (
    pev_id   TEXT PRIMARY KEY,
    params   TEXT NOT NULL,
    bound_at TEXT NOT NULL
  );

  CREATE TABLE session_attribution (
    session_id     TEXT PRIMARY KEY REFERENCES sessions(id),
    pev_id         TEXT,
    binding        TEXT NOT NULL,
    binding_reason TEXT,
    account        TEXT,
    program        TEXT,
    payer          TEXT,
    offline        INTEGER NOT NULL DEFAULT 0,
    authorized_via TEXT,
    reconciled     TEXT,
    limits         TEXT
  );
  `,
  // 5: intervals found by record seq (a clock correction replaces records by seq).
  `
  CREATE UNIQUE INDEX intervals_seq ON intervals(seq);
  `,
  // 6: the session's charging time so far, saved with the running sum (at most a minute lost in a crash).
  `
  ALTER TABLE sessions ADD COLUMN charging_ms INTEGER;
  `,
  // 7: the session data record as sent (and as corrected), kept for \`evsed sessions\` after the outbox delivered it.
  `
  ALTER TABLE sessions ADD COLUMN sdr TEXT;
  `,
];
