/**
 * Time-of-use tariffs (pure). Periods are given by local time of day and weekday in the premise's time
 * zone (IANA name, resolved with `Intl.DateTimeFormat`, so daylight saving follows the zone's rules).
 * An interval is rated by the period in force at its start. Prices are minor currency units per kWh
 * with at most four decimals; they are held as integers scaled by 10^4 (`priceE4`), and costs as
 * integers in 10^-7 minor units (`Wh × priceE4`), so sums are exact and rounding happens once, half up,
 * when a total is shown in minor units.
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A tariff as configured or sent with `setTariff`. */
export interface TariffSpec {
  readonly id: string;
  readonly currency: string;
  readonly timeZone: string;
  /** Name of the period that applies outside every listed period (e.g. offPeak). */
  readonly basePeriod: string;
  readonly basePrice: number;
  /** Price when energy is billed to the premise without incentive (meter lost); default basePrice. */
  readonly premisePrice?: number | undefined;
  readonly periods: readonly {
    readonly name: string;
    readonly price: number;
    /** "HH:MM" local; `to` may be "24:00"; from > to wraps past midnight (the weekday is the start's). */
    readonly from: string;
    readonly to: string;
    readonly days?: readonly Weekday[] | undefined;
  }[];
}

/** A tariff problem: a JSON-pointer path inside the tariff and what is wrong there. */
export class TariffError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = "TariffError";
  }
}

interface Period {
  readonly name: string;
  readonly priceE4: number;
  readonly fromMin: number;
  readonly toMin: number;
  readonly days: ReadonlySet<number>;
}

export interface Rate {
  readonly period: string;
  readonly priceE4: number;
}

/** A checked tariff, ready to rate instants. */
export interface Tariff {
  readonly spec: TariffSpec;
  rate(atMs: number, billedToPremise?: boolean): Rate;
}

export function priceE4(price: number, path: string): number {
  const scaled = Math.round(price * 10_000);
  if (!Number.isFinite(price) || price < 0) throw new TariffError(path, "must be a price ≥ 0");
  if (Math.abs(price * 10_000 - scaled) > 1e-6) throw new TariffError(path, "at most four decimals");
  return scaled;
}

function minutes(hhmm: string, path: string): number {
  const m = /^([01][0-9]|2[0-4]):([0-5][0-9])$/.exec(hhmm);
  const total = m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  if (!(total <= 24 * 60)) throw new TariffError(path, `must be a local time HH:MM between 00:00 and 24:00, got ${JSON.stringify(hhmm)}`);
  return total;
}

/** Local weekday (0 = Monday) and minute of day of `atMs` in `fmt`'s time zone. */
function localParts(fmt: Intl.DateTimeFormat, atMs: number): { day: number; minute: number } {
  let weekday = "";
  let hour = 0;
  let minute = 0;
  for (const p of fmt.formatToParts(atMs)) {
    if (p.type === "weekday") weekday = p.value.toLowerCase().slice(0, 3);
    else if (p.type === "hour") hour = Number(p.value) % 24;
    else if (p.type === "minute") minute = Number(p.value);
  }
  return { day: WEEKDAYS.indexOf(weekday as Weekday), minute: hour * 60 + minute };
}

/** Check a tariff and compile it. Throws TariffError naming the field and the problem. */
export function compileTariff(spec: TariffSpec): Tariff {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: spec.timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  } catch {
    throw new TariffError("/timeZone", `unknown time zone ${JSON.stringify(spec.timeZone)} (use an IANA name such as Europe/Berlin)`);
  }
  if (!/^[A-Z]{3}$/.test(spec.currency)) throw new TariffError("/currency", "must be an ISO 4217 code such as USD");
  const base = priceE4(spec.basePrice, "/basePrice");
  const premise = spec.premisePrice === undefined ? base : priceE4(spec.premisePrice, "/premisePrice");
  const periods: Period[] = spec.periods.map((p, i) => {
    const fromMin = minutes(p.from, `/periods/${i}/from`);
    const toMin = minutes(p.to, `/periods/${i}/to`);
    if (fromMin === toMin) throw new TariffError(`/periods/${i}/to`, "must differ from `from`");
    const days = p.days ?? WEEKDAYS;
    if (days.length === 0) throw new TariffError(`/periods/${i}/days`, "must name at least one weekday");
    return {
      name: p.name,
      priceE4: priceE4(p.price, `/periods/${i}/price`),
      fromMin,
      toMin,
      days: new Set(days.map((d) => WEEKDAYS.indexOf(d))),
    };
  });
  return {
    spec,
    rate(atMs: number, billedToPremise = false): Rate {
      if (billedToPremise) return { period: "premise", priceE4: premise };
      const { day, minute } = localParts(fmt, atMs);
      const yesterday = (day + 6) % 7;
      for (const p of periods) {
        if (p.fromMin < p.toMin) {
          if (p.days.has(day) && minute >= p.fromMin && minute < p.toMin) return { period: p.name, priceE4: p.priceE4 };
        } else if ((p.days.has(day) && minute >= p.fromMin) || (p.days.has(yesterday) && minute < p.toMin)) {
          return { period: p.name, priceE4: p.priceE4 };
        }
      }
      return { period: spec.basePeriod, priceE4: base };
    },
  };
}

/** Exact cost of `wh` at `priceE4`, in 10^-7 minor units. */
export function costE7(wh: number, price: number): bigint {
  return BigInt(wh) * BigInt(price);
}

/** A cost in 10^-7 minor units rounded half up to whole minor units. */
export function roundMinor(e7: bigint): number {
  return Number((e7 + 5_000_000n) / 10_000_000n);
}

/** A price held as priceE4, back as minor units per kWh (exact for ≤ 4 decimals). */
export function priceFromE4(e4: number): number {
  return e4 / 10_000;
}
