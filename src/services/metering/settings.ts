import type { Config } from "../../config/schema.js";
import { InputError } from "../../config/validate.js";
import { type IntervalLengthS, isIntervalLength } from "../../core/intervals.js";
import { compileTariff, type Tariff, TariffError, type TariffSpec } from "../../core/tariff.js";
import type { MetaRepo } from "../../store/meta-repo.js";

const KEY_INTERVAL = "metering.intervalS";
const KEY_TARIFFS = "metering.tariffs";

/** An interval length and the boundary (ms, interval start) from which it applies. */
interface LengthStep {
  readonly fromMs: number;
  readonly s: IntervalLengthS;
}

/** A tariff and the instant (ms, interval start) from which it rates intervals. */
interface Scheduled {
  readonly fromMs: number;
  readonly spec: TariffSpec;
}

/** Check the configured tariff; an error names the config, the field and the problem (exit 2). */
export function checkTariffConfig(config: Config, source = "configuration"): Tariff {
  return compileOrThrow(config.tariff as TariffSpec, source, "/tariff");
}

export function compileOrThrow(spec: TariffSpec, source: string, base: string): Tariff {
  try {
    return compileTariff(spec);
  } catch (err) {
    if (err instanceof TariffError) throw new InputError(source, `${base}${err.path}`, err.problem);
    throw err;
  }
}

/**
 * Interval length and tariffs: the configuration's, unless a command changed them; a command's value is
 * kept in the station's database (meta) and survives restarts. A new tariff rates the intervals that
 * start at or after its `fromMs`; earlier intervals keep the tariff that was in force.
 */
export class MeteringSettings {
  private readonly compiled = new Map<string, Tariff>();

  /**
   * `attribution` (optional) tells who pays for the open session (its PEV binding): when it answers,
   * `account()` and `program()` are the session's, else the configuration's.
   */
  constructor(
    private readonly config: Config,
    private readonly meta: MetaRepo,
    private readonly attribution: () => { readonly account: string | null; readonly program: string | null } | null = () => null,
  ) {
    checkTariffConfig(config);
  }

  /** `intervalS` as a function of the interval start, for `advance` and `openAt` callers. */
  readonly lengthAt = (startMs: number): IntervalLengthS => this.intervalS(startMs);

  /** The interval length for an interval starting at `startMs`; without it, the latest one set. */
  intervalS(startMs = Number.POSITIVE_INFINITY): IntervalLengthS {
    let s = this.config.metering.intervalS;
    for (const c of this.lengthSchedule()) if (c.fromMs <= startMs) s = c.s;
    return s;
  }

  /**
   * Use `s` for intervals starting at or after the boundary `fromMs`. Intervals from `keepFromMs` (the
   * oldest not yet closed) keep the length scheduled for them; older entries are dropped.
   */
  setIntervalS(s: IntervalLengthS, fromMs: number, keepFromMs: number): void {
    this.meta.set(KEY_INTERVAL, JSON.stringify(reschedule(this.lengthSchedule(), { fromMs, s }, keepFromMs)));
  }

  private lengthSchedule(): LengthStep[] {
    const raw = this.meta.get(KEY_INTERVAL);
    if (raw === null) return [];
    // Earlier builds stored the bare length, in force at once.
    const bare = Number(raw);
    if (isIntervalLength(bare)) return [{ fromMs: Number.MIN_SAFE_INTEGER, s: bare }];
    try {
      const list = JSON.parse(raw) as unknown;
      if (!Array.isArray(list)) return [];
      return list.filter((c: Partial<LengthStep>): c is LengthStep => typeof c?.fromMs === "number" && isIntervalLength(c.s ?? 0));
    } catch {
      return [];
    }
  }

  account(): string | null {
    const a = this.attribution();
    return a ? a.account : (this.config.metering.account ?? this.config.premiseId ?? null);
  }

  program(): string | null {
    const a = this.attribution();
    return a ? a.program : (this.config.metering.program ?? null);
  }

  premiseId(): string | null {
    return this.config.premiseId ?? null;
  }

  /** Whether intervals are also recorded while no session is open (`metering.idleIntervals`). */
  idleIntervals(): boolean {
    return this.config.metering.idleIntervals;
  }

  meterLossMs(): number {
    return this.config.metering.meterLossS * 1000;
  }

  /** The tariff rating an interval that starts at `startMs`. */
  tariffAt(startMs: number): Tariff {
    const list = this.schedule();
    let spec: TariffSpec = this.config.tariff as TariffSpec;
    for (const s of list) if (s.fromMs <= startMs) spec = s.spec;
    const key = JSON.stringify(spec);
    let t = this.compiled.get(key);
    if (!t) {
      t = compileTariff(spec);
      this.compiled.set(key, t);
    }
    return t;
  }

  /** Schedule `spec` from `fromMs` on (checked by the caller); intervals from `keepFromMs` keep theirs. */
  setTariff(spec: TariffSpec, fromMs: number, keepFromMs: number): void {
    this.meta.set(KEY_TARIFFS, JSON.stringify(reschedule(this.schedule(), { fromMs, spec }, keepFromMs)));
  }

  private schedule(): Scheduled[] {
    const raw = this.meta.get(KEY_TARIFFS);
    return raw ? (JSON.parse(raw) as Scheduled[]) : [];
  }
}

/**
 * Add `next` to a schedule sorted by `fromMs`: entries from `next.fromMs` on are replaced; of those
 * before `keepFromMs` only the one in force there is kept (nothing older is still to be rated).
 */
function reschedule<T extends { readonly fromMs: number }>(list: readonly T[], next: T, keepFromMs: number): T[] {
  const before = list.filter((s) => s.fromMs < next.fromMs);
  const inForce = before.filter((s) => s.fromMs <= keepFromMs).slice(-1);
  const later = before.filter((s) => s.fromMs > keepFromMs);
  return [...inForce, ...later, next];
}
