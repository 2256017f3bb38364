import type { Db } from "../../../store/db.js";

/**
 * The persisted window of command ids the station has accepted (table `seen_commands`). It keeps the
 * newest `size` ids; an id older than that is forgotten, which is why commands should carry
 * `expiresAt`. Survives restarts, so a replay after a reboot is still rejected.
 */
export class SeenCommands {
  private readonly insert;
  private readonly trim;

  constructor(
    db: Db,
    private readonly size: number,
  ) {
    this.insert = db.prepare("INSERT OR IGNORE INTO seen_commands (cmd_id, command, seen_at) VALUES (?, ?, ?)");
    this.trim = db.prepare("DELETE FROM seen_commands WHERE n <= (SELECT max(n) FROM seen_commands) - ?");
  }

  /** Remember `cmdId`; false when it was already in the window (a replay). */
  remember(cmdId: string, command: string, seenAt: string): boolean {
    const fresh = this.insert.run(cmdId, command, seenAt).changes === 1;
    if (fresh) this.trim.run(this.size);
    return fresh;
  }
}
