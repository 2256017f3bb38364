import type { Db } from "./db.js";

export interface OutboxRow {
  readonly seq: number;
  /** Topic suffix below `<prefix>/<stationId>/`, e.g. `session`. */
  readonly topic: string;
  /** The JSON payload as it will be published; it already contains `seq`. */
  readonly payload: string;
}

/**
 * Records meant for the utility. `append` must be called inside the transaction that makes the state
 * change the record describes; it assigns the station's next sequence number (AUTOINCREMENT: never
 * reused, survives restarts and deleted rows). Rows are deleted only once the broker acknowledged them.
 */
export class Outbox {
  private readonly insert;
  private readonly peekStmt;
  private readonly deleteStmt;
  private readonly countStmt;
  private readonly nextSeqStmt;

  constructor(db: Db) {
    this.insert = db.prepare("INSERT INTO outbox (seq, topic, payload, created_at) VALUES (?, ?, ?, ?)");
    this.peekStmt = db.prepare("SELECT seq, topic, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?");
    this.deleteStmt = db.prepare("DELETE FROM outbox WHERE seq = ?");
    this.countStmt = db.prepare("SELECT count(*) AS n FROM outbox");
    this.nextSeqStmt = db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0) + 1 AS next");
  }

  /**
   * Add a record: `build(seq)` makes the payload object, so the payload carries its own sequence
   * number. Returns the seq. Call inside the producing transaction.
   */
  append(topic: string, createdAt: string, build: (seq: number) => object): number {
    const { next } = this.nextSeqStmt.get() as { next: number };
    this.insert.run(next, topic, JSON.stringify(build(next)), createdAt);
    return next;
  }

  /** Up to `limit` unsent rows after `afterSeq`, in seq order. */
  peek(afterSeq: number, limit: number): OutboxRow[] {
    return this.peekStmt.all(afterSeq, limit) as OutboxRow[];
  }

  /** The broker acknowledged `seq`. */
  acknowledge(seq: number): void {
    this.deleteStmt.run(seq);
  }

  size(): number {
    return (this.countStmt.get() as { n: number }).n;
  }
}
