import type { Logger } from "../../app/log.js";
import type { Db } from "../../store/db.js";
import type { Outbox, OutboxRow } from "../../store/outbox.js";
import type { PublishCallback } from "./connection.js";

/** Where the sender publishes: a QoS 1 publish whose callback runs once the broker acknowledged it. */
export interface RecordPublisher {
  publish(suffix: string, payload: string, opts: { qos: 1 }, cb: PublishCallback): void;
}

/**
 * Drains the outbox to the broker. Contract:
 * - Rows go out in `seq` order, QoS 1, never retained, at most `window` unacknowledged at a time.
 * - A row is deleted only after its publish callback reported success. Deletes are batched into one
 *   transaction at most `ackFlushMs` after the first acknowledgement, or at once when 512 (or
 *   `window`, if larger) are waiting: a backlog drains with few SQLite commits (SD-card wear). A crash before a batch
 *   commits only re-sends those records — they count as in flight, which QoS 1 allows anyway.
 *   Nothing is keyed by MQTT packet id.
 * - `connected()` (re)starts from the lowest unacknowledged seq; `disconnected()` forgets everything
 *   in flight. Callbacks of an earlier connection may still delete rows they got acknowledged, but no
 *   longer drive the window.
 * - `notify()` wakes it after producers committed new rows; it is cheap and safe to call often.
 */
export class OutboxSender {
  private generation = 0;
  private up = false;
  private cursor = 0;
  private inflight = 0;
  private buffer: OutboxRow[] = [];
  private acked: number[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private pumping = false;
  private readonly batch: number;
  private readonly flushAt: number;

  constructor(
    private readonly deps: {
      db: Db;
      outbox: Outbox;
      publisher: RecordPublisher;
      window: number;
      log: Logger;
      /** Longest wait before acknowledged rows are deleted (default 25 ms). */
      ackFlushMs?: number;
    },
  ) {
    this.batch = Math.max(deps.window * 4, 256);
    this.flushAt = Math.max(deps.window, 512);
  }

  connected(): void {
    this.generation++;
    this.up = true;
    this.cursor = 0;
    this.inflight = 0;
    this.buffer = [];
    this.pump();
  }

  disconnected(): void {
    this.generation++;
    this.up = false;
    this.inflight = 0;
    this.buffer = [];
  }

  notify(): void {
    this.pump();
  }

  /** Records published and not yet acknowledged on the current connection. */
  inFlight(): number {
    return this.inflight;
  }

  /** Final flush on shutdown; later acknowledgements are ignored (their rows are re-sent next run). */
  close(): void {
    this.disconnected();
    this.flush();
    this.closed = true;
  }

  /** Deletes the acknowledged rows now. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.acked.length === 0) return;
    const seqs = this.acked;
    this.acked = [];
    this.deps.db.transaction(() => {
      for (const seq of seqs) this.deps.outbox.acknowledge(seq);
    })();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.up && this.inflight < this.deps.window) {
        const row = this.nextRow();
        if (!row) break;
        this.send(row);
      }
    } finally {
      this.pumping = false;
    }
  }

  private nextRow(): OutboxRow | undefined {
    if (this.buffer.length === 0) {
      this.buffer = this.deps.outbox.peek(this.cursor, this.batch);
      if (this.buffer.length === 0) return undefined;
      this.buffer.reverse();
    }
    const row = this.buffer.pop();
    if (row) this.cursor = row.seq;
    return row;
  }

  private send(row: OutboxRow): void {
    const generation = this.generation;
    this.inflight++;
    this.deps.publisher.publish(row.topic, row.payload, { qos: 1 }, (err) => {
      if (!err) this.acknowledge(row.seq);
      else this.deps.log.debug({ seq: row.seq, err: err.message }, "uplink: record not acknowledged; resent after reconnect");
      if (generation !== this.generation) return;
      this.inflight--;
      this.pump();
    });
  }

  private acknowledge(seq: number): void {
    if (this.closed) return;
    this.acked.push(seq);
    if (this.acked.length >= this.flushAt) this.safeFlush();
    else this.flushTimer ??= setTimeout(() => this.safeFlush(), this.deps.ackFlushMs ?? 25);
  }

  private safeFlush(): void {
    try {
      this.flush();
    } catch (err) {
      this.deps.log.error({ err: err instanceof Error ? err.message : String(err) }, "uplink: could not delete sent records");
    }
  }
}
