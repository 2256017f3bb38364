import type { Clock, MeterReading } from "../../../drivers/types.js";
import type { Bus } from "../../app/bus.js";
import { Ticker } from "./ticker.js";
import { isoSeconds } from "./topics.js";

/** The `telemetry` payload (docs/schemas/telemetry.schema.json). */
export interface TelemetryPayload {
  readonly ts: string;
  readonly powerW: number;
  readonly importWh: number;
  readonly exportWh: number;
  readonly voltageV: readonly number[];
  readonly currentA: readonly number[];
}

/**
 * Publishes the latest meter reading as `telemetry` (QoS 0, not retained) every `telemetryIntervalS`,
 * only when a reading arrived since the last one and the connection is up. `pause(true)` stops it
 * (low disk) without losing the schedule.
 */
export class TelemetryPublisher {
  private latest: { at: number; reading: MeterReading } | null = null;
  private sent = true;
  private paused = false;
  private readonly ticker: Ticker;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deps: {
      bus: Bus;
      clock: Clock;
      intervalS: number;
      isUp(): boolean;
      publish(payload: string): void;
    },
  ) {
    this.ticker = new Ticker(deps.clock, deps.intervalS * 1000, () => this.tick());
  }

  start(): void {
    this.unsubscribe = this.deps.bus.on("meter", (m) => {
      this.latest = m;
      this.sent = false;
    });
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  setIntervalS(s: number): void {
    this.ticker.setPeriod(s * 1000);
  }

  pause(paused: boolean): void {
    this.paused = paused;
  }

  isPaused(): boolean {
    return this.paused;
  }

  private tick(): void {
    if (this.paused || this.sent || !this.latest || !this.deps.isUp()) return;
    const { at, reading } = this.latest;
    const payload: TelemetryPayload = {
      ts: isoSeconds(at),
      powerW: Math.round(reading.powerW),
      importWh: Math.round(reading.importWh),
      exportWh: Math.round(reading.exportWh),
      voltageV: reading.voltageV.map((v) => round1(v)),
      currentA: reading.currentA.map((a) => round1(a)),
    };
    this.sent = true;
    this.deps.publish(JSON.stringify(payload));
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
