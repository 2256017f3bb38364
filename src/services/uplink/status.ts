import type { Clock } from "../../../drivers/types.js";
import type { Bus, ChargeSnapshot } from "../../app/bus.js";
import type { Logger } from "../../app/log.js";
import { Ticker } from "./ticker.js";
import { isoSeconds } from "./topics.js";

/** The binding of the plugged-in vehicle to a utility program, as shown in `status`. */
export interface StatusBinding {
  readonly pevId: string | null;
  readonly program: string | null;
  readonly account: string | null;
}

/** Where the station stands in its commissioning: `pending` until the operator activates it. */
export type Activation = "pending" | "active" | "suspended";

/** Status facts owned by other services (binding, activation); absent: no binding, `active`. */
export interface StatusSources {
  binding(): StatusBinding | null;
  activation(): Activation;
}

/** The retained `status` payload (docs/schemas/status.schema.json). */
export interface StatusPayload {
  readonly ts: string;
  readonly status: ChargeSnapshot["status"];
  readonly pilot: ChargeSnapshot["pilot"];
  readonly offeredA: number;
  readonly contactor: "open" | "closed";
  readonly sessionId: string | null;
  readonly binding: StatusBinding | null;
  readonly faults: readonly string[];
  readonly activation: Activation;
}

/**
 * Publishes the retained `status` (QoS 1): whenever its content (everything but `ts`) changes, on
 * every connection, and at least every `statusIntervalS`. Follows `charge` snapshots and `session`
 * events on the bus. While offline only the latest state is kept.
 */
export class StatusPublisher {
  private snapshot: ChargeSnapshot;
  private sessionId: string | null = null;
  private lastContent = "";
  private readonly ticker: Ticker;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: {
      bus: Bus;
      initial: ChargeSnapshot;
      clock: Clock;
      log: Logger;
      intervalS: number;
      sources?: StatusSources;
      isUp(): boolean;
      publish(payload: string): Promise<void>;
    },
  ) {
    this.snapshot = deps.initial;
    this.ticker = new Ticker(deps.clock, deps.intervalS * 1000, () => this.publishNow());
  }

  start(): void {
    this.unsubscribe.push(
      this.deps.bus.on("charge", (s) => {
        this.snapshot = s;
        this.publishIfChanged();
      }),
      this.deps.bus.on("session", (e) => {
        this.sessionId = e.kind === "ended" ? null : e.session.id;
        this.publishIfChanged();
      }),
    );
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
    for (const u of this.unsubscribe.splice(0)) u();
  }

  setIntervalS(s: number): void {
    this.ticker.setPeriod(s * 1000);
  }

  /** Publish the current status now (on connect and on the periodic tick). */
  publishNow(): void {
    if (!this.deps.isUp()) return;
    const payload = this.payload();
    const { ts: _ts, ...content } = payload;
    this.lastContent = JSON.stringify(content);
    this.ticker.start();
    this.deps.publish(JSON.stringify(payload)).catch((err: Error) => this.deps.log.debug({ err: err.message }, "uplink: status not sent"));
  }

  payload(): StatusPayload {
    const s = this.snapshot;
    return {
      ts: isoSeconds(this.deps.clock.now()),
      status: s.status,
      pilot: s.pilot,
      offeredA: s.offeredA,
      contactor: s.contactorClosed ? "closed" : "open",
      sessionId: this.sessionId,
      binding: this.deps.sources?.binding() ?? null,
      faults: [...s.faults],
      activation: this.deps.sources?.activation() ?? "active",
    };
  }

  private publishIfChanged(): void {
    const { ts: _ts, ...content } = this.payload();
    if (JSON.stringify(content) !== this.lastContent) this.publishNow();
  }
}
