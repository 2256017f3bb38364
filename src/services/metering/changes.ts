import type { Clock } from "../../../drivers/types.js";
import { type IntervalLengthS, nextBoundary } from "../../core/intervals.js";
import type { TariffSpec } from "../../core/tariff.js";
import { isoSeconds } from "../../core/time.js";
import type { EventRecorder } from "../events.js";
import type { MeteringSettings } from "./settings.js";

export interface MeteringChangesDeps {
  readonly settings: MeteringSettings;
  readonly clock: Clock;
  readonly events: EventRecorder;
  /** The open interval's end (a session's or the idle one's), else null: where a change takes effect. */
  nextBoundary(): number | null;
}

/** Who asked for a change, as the `config` event's `source`: the utility's command or a PEV binding's program. */
export type ChangeSource = "command" | "binding";

/**
 * Interval-length and tariff changes. Both take effect at the next interval boundary (at once when
 * nothing is open), are kept across restarts by `MeteringSettings`, and are recorded as `config` events.
 * Callers check the values first; nothing here rejects.
 */
export class MeteringChanges {
  constructor(private readonly deps: MeteringChangesDeps) {}

  setIntervalLength(s: IntervalLengthS, source: ChangeSource = "command"): { intervalS: number; effectiveAt: string } {
    const { settings, clock, events } = this.deps;
    const now = clock.now();
    const from = settings.intervalS(now);
    const fromMs = this.effectiveMs(now);
    settings.setIntervalS(s, fromMs, now);
    const effectiveAt = isoSeconds(fromMs);
    events.record("config", { source, changed: ["metering.intervalS"], outcome: "applied", from, to: s, effectiveAt });
    return { intervalS: s, effectiveAt };
  }

  /** Rate intervals starting at or after the next boundary with `spec` (already compiled once by the caller). */
  setTariff(spec: TariffSpec, source: ChangeSource = "command"): { tariffId: string; effectiveAt: string } {
    const { settings, clock, events } = this.deps;
    const now = clock.now();
    const fromMs = this.effectiveMs(now);
    settings.setTariff(spec, fromMs, now);
    const effectiveAt = isoSeconds(fromMs);
    events.record("config", { source, changed: ["tariff"], outcome: "applied", tariffId: spec.id, effectiveAt });
    return { tariffId: spec.id, effectiveAt };
  }

  /**
   * The next boundary: the open interval's end, or — when the meter has been silent past that end, so
   * the intervals up to now are still to be closed — the first boundary after now. At once when nothing is open.
   */
  private effectiveMs(now: number): number {
    const end = this.deps.nextBoundary();
    if (end === null) return now;
    return end > now ? end : nextBoundary(now, this.deps.settings.intervalS(now));
  }
}
