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
];
