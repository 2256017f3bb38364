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
 * - A row is deleted only after its publish callback reported success; deletes are batched into one
 *   transaction per event-loop turn (a crash before the batch commits only causes duplicates of
 *   records that were in flight, which QoS 1 allows anyway). Nothing is keyed by MQTT packet id.
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
  private flushScheduled = false;
  private pumping = false;
  private readonly batch: number;

  constructor(
    private readonly deps: {
      db: Db;
      outbox: Outbox;
      publisher: RecordPublisher;
      window: number;
      log: Logger;
    },
  ) {
    this.batch = Math.max(deps.window * 4, 256);
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

  /** Deletes already acknowledged rows now (on shutdown). */
  flush(): void {
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
    this.acked.push(seq);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      try {
        this.flush();
      } catch (err) {
        this.deps.log.error({ err: err instanceof Error ? err.message : String(err) }, "uplink: could not delete sent records");
      }
    });
  }
}
