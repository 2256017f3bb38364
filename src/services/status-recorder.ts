import type { Bus, ChargeSnapshot } from "../app/bus.js";
import { maskId } from "../core/mask.js";
import { isoSeconds } from "../core/time.js";
import type { MetaRepo } from "../store/meta-repo.js";
import type { SessionService } from "./sessions.js";

/** What `evsed status` shows: the last charge snapshot with the open session, as stored JSON. */
export interface StoredStatus {
  readonly stationId: string;
  readonly ts: string;
  readonly status: string;
  readonly pilot: string | null;
  readonly offeredA: number;
  readonly contactor: "open" | "closed";
  readonly faults: readonly string[];
  readonly available: boolean;
  readonly tokenId: string | null;
  readonly session: { readonly id: string; readonly energyWh: number; readonly pluggedAt: string } | null;
  readonly pid: number;
}

/**
 * Keeps the latest status in the `meta` table so `evsed status` can show it from another process.
 * Writes are coalesced to one per event-loop turn and never sit on the safety path.
 */
export class StatusRecorder {
  private pending: ChargeSnapshot | null = null;
  private scheduled = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: { meta: MetaRepo; bus: Bus; sessions: SessionService; stationId: string }) {}

  start(): void {
    this.unsubscribe.push(this.deps.bus.on("charge", (s) => this.queue(s)));
    this.unsubscribe.push(
      this.deps.bus.on("session", () => {
        if (this.pending === null && this.lastSnapshot) this.queue(this.lastSnapshot);
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.flush();
  }

  private lastSnapshot: ChargeSnapshot | null = null;

  private queue(s: ChargeSnapshot): void {
    this.pending = s;
    this.lastSnapshot = s;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const s = this.pending;
    if (!s) return;
    this.pending = null;
    const session = this.deps.sessions.current();
    const stored: StoredStatus = {
      stationId: this.deps.stationId,
      ts: isoSeconds(s.at),
      status: s.status,
      pilot: s.pilot,
      offeredA: s.offeredA,
      contactor: s.contactorClosed ? "closed" : "open",
      faults: s.faults,
      available: s.available,
      tokenId: maskId(s.tokenId),
      session: session ? { id: session.id, energyWh: session.energyWh, pluggedAt: session.pluggedAt } : null,
      pid: process.pid,
    };
    try {
      this.deps.meta.set("status", JSON.stringify(stored));
    } catch {
      // The database is closing; the next start writes a fresh status.
    }
  }
}
