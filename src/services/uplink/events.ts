import type { Clock } from "../../../drivers/types.js";
import type { Bus } from "../../app/bus.js";
import type { Db } from "../../store/db.js";
import type { Outbox } from "../../store/outbox.js";
import { isoSeconds } from "./topics.js";

/** The `event` record (docs/schemas/event.schema.json). */
export interface EventRecord {
  readonly seq: number;
  readonly ts: string;
  readonly kind: string;
  readonly detail: Record<string, unknown>;
  readonly flags: string[];
}

/**
 * Writes the uplink's own `event` records (security, storage, config) to the outbox in one
 * transaction, then announces them on the bus (`recorded`) and wakes the sender. Detail must never
 * carry secrets.
 */
export class EventRecorder {
  constructor(private readonly deps: { db: Db; outbox: Outbox; bus: Bus; clock: Clock; notify: () => void }) {}

  record(kind: string, detail: Record<string, unknown>): number {
    const { db, outbox, bus, clock } = this.deps;
    const now = clock.now();
    const flags = clock.isSynced() ? [] : ["clockUnsynced"];
    const seq = db.transaction(() =>
      outbox.append("event", isoSeconds(now), (s): EventRecord => ({ seq: s, ts: isoSeconds(now), kind, detail, flags })),
    )();
    bus.emit("recorded", { kind, detail });
    this.deps.notify();
    return seq;
  }
}
