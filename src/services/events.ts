import type { Clock } from "../../drivers/types.js";
import type { Bus } from "../app/bus.js";
import { isoSeconds } from "../core/time.js";
import type { Db } from "../store/db.js";
import type { Outbox } from "../store/outbox.js";

/**
 * Records station events for the utility (`event` topic): boot, fault raised/cleared, security,
 * configuration change, clock set, recovery. Each is committed with its sequence number first and
 * sent later by the outbox.
 */
export class EventRecorder {
  constructor(private readonly deps: { db: Db; outbox: Outbox; clock: Clock; bus: Bus; stationId: string; notify: () => void }) {}

  record(kind: string, detail: Record<string, unknown> = {}): number {
    const { outbox, clock, stationId } = this.deps;
    const ts = isoSeconds(clock.now());
    const flags = clock.isSynced() ? [] : ["clockUnsynced"];
    const seq = this.deps.db.transaction(() => outbox.append("event", ts, (s) => ({ seq: s, ts, stationId, kind, detail, flags })))();
    this.deps.bus.emit("recorded", { kind, detail });
    this.deps.notify();
    return seq;
  }
}
