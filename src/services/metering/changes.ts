import type { Clock } from "../../../drivers/types.js";
import { alignDown, type IntervalLengthS, nextBoundary } from "../../core/intervals.js";
import type { TariffSpec } from "../../core/tariff.js";
import { isoSeconds } from "../../core/time.js";
import type { EventRecorder } from "../events.js";
import type { MeteringSettings } from "./settings.js";

export interface MeteringChangesDeps {
  readonly settings: MeteringSettings;
  readonly clock: Clock;
  readonly events: EventRecorder;
  /** The open interval (a session's or the idle one's), else null: a change takes effect at its end. */
  openInterval(): { readonly startMs: number; readonly endMs: number } | null;
}

/** Who asked for a change, as the `config` event's `source`: the utility's command or a PEV binding's program. */
export type ChangeSource = "command" | "binding";

/**
 * Interval-length and tariff changes. Both take effect at the next interval boundary (from the interval
 * in progress when nothing is open), are kept across restarts by `MeteringSettings`, and are recorded as
 * `config` events.
 * Callers check the values first; nothing here rejects.
 */
export class MeteringChanges {
  constructor(private readonly deps: MeteringChangesDeps) {}

  setIntervalLength(s: IntervalLengthS, source: ChangeSource = "command"): { intervalS: number; effectiveAt: string } {
    const { settings, clock, events } = this.deps;
    const now = clock.now();
    const from = settings.intervalS(now);
    const fromMs = this.effectiveMs(now);
    settings.setIntervalS(s, fromMs, this.keepFromMs(fromMs));
    const effectiveAt = isoSeconds(fromMs);
    events.record("config", { source, changed: ["metering.intervalS"], outcome: "applied", from, to: s, effectiveAt });
    return { intervalS: s, effectiveAt };
  }

  /** Rate intervals starting at or after the next boundary with `spec` (already compiled once by the caller). */
  setTariff(spec: TariffSpec, source: ChangeSource = "command"): { tariffId: string; effectiveAt: string } {
    const { settings, clock, events } = this.deps;
    const now = clock.now();
    const fromMs = this.effectiveMs(now);
    settings.setTariff(spec, fromMs, this.keepFromMs(fromMs));
    const effectiveAt = isoSeconds(fromMs);
    events.record("config", { source, changed: ["tariff"], outcome: "applied", tariffId: spec.id, effectiveAt });
    return { tariffId: spec.id, effectiveAt };
  }

  /**
   * The next boundary: the open interval's end, or — when the meter has been silent past that end, so
   * the intervals up to now are still to be closed — the first boundary after now. With nothing open,
   * the start of the interval in progress: a session plugged in next is rated from its first interval.
   */
  private effectiveMs(now: number): number {
    const lengthS = this.deps.settings.intervalS(now);
    const end = this.deps.openInterval()?.endMs;
    if (end === undefined) return alignDown(now, lengthS);
    return end > now ? end : nextBoundary(now, lengthS);
  }

  /** The oldest interval not yet closed: what an earlier change still applies to from there on must stay. */
  private keepFromMs(fromMs: number): number {
    return this.deps.openInterval()?.startMs ?? fromMs;
  }
}
