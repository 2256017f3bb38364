import type { Config } from "../../config/schema.js";
import { InputError } from "../../config/validate.js";
import { type IntervalLengthS, isIntervalLength } from "../../core/intervals.js";
import { compileTariff, type Tariff, TariffError, type TariffSpec } from "../../core/tariff.js";
import type { MetaRepo } from "../../store/meta-repo.js";

const KEY_INTERVAL = "metering.intervalS";
const KEY_TARIFFS = "metering.tariffs";

/** An interval-length change: `s` for intervals starting at or after the boundary `fromMs`, `before` until then. */
interface LengthChange {
  readonly s: IntervalLengthS;
  readonly fromMs: number;
  readonly before: IntervalLengthS;
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

  /** The interval length for an interval starting at `startMs`; without it, the latest one set. */
  intervalS(startMs = Number.POSITIVE_INFINITY): IntervalLengthS {
    const c = this.lengthChange();
    if (!c) return this.config.metering.intervalS;
    return startMs >= c.fromMs ? c.s : c.before;
  }

  /** Use `s` for intervals starting at or after the boundary `fromMs`; the length in force at `nowMs` until then. */
  setIntervalS(s: IntervalLengthS, fromMs: number, nowMs: number): void {
    const change: LengthChange = { s, fromMs, before: this.intervalS(nowMs) };
    this.meta.set(KEY_INTERVAL, JSON.stringify(change));
  }

  private lengthChange(): LengthChange | null {
    const raw = this.meta.get(KEY_INTERVAL);
    if (raw === null) return null;
    // Earlier builds stored the bare length, in force at once.
    const bare = Number(raw);
    if (isIntervalLength(bare)) return { s: bare, fromMs: Number.NEGATIVE_INFINITY, before: bare };
    try {
      const c = JSON.parse(raw) as Partial<LengthChange>;
      const ok = typeof c.fromMs === "number" && isIntervalLength(c.s ?? 0) && isIntervalLength(c.before ?? 0);
      return ok ? (c as LengthChange) : null;
    } catch {
      return null;
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

  /** Schedule `spec` from `fromMs` on (checked by the caller); keeps the one in force at `nowMs`. */
  setTariff(spec: TariffSpec, fromMs: number, nowMs: number): void {
    const list = this.schedule().filter((s) => s.fromMs < fromMs);
    const inForce = list.filter((s) => s.fromMs <= nowMs).slice(-1);
    const later = list.filter((s) => s.fromMs > nowMs);
    this.meta.set(KEY_TARIFFS, JSON.stringify([...inForce, ...later, { fromMs, spec }]));
  }

  private schedule(): Scheduled[] {
    const raw = this.meta.get(KEY_TARIFFS);
    return raw ? (JSON.parse(raw) as Scheduled[]) : [];
  }
}
