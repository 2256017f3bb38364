import { maskId } from "../../core/mask.js";
import { priceFromE4, roundMinor } from "../../core/tariff.js";
import { isoSeconds } from "../../core/time.js";
import type { Cursor, IntervalRow } from "../../store/intervals-repo.js";
import type { SessionRow } from "../../store/sessions-repo.js";
import type { MeteringSettings } from "./settings.js";

/** The `interval` payload (docs/schemas/interval.schema.json). */
export function intervalPayload(stationId: string, row: Omit<IntervalRow, "id">): Record<string, unknown> {
  return { seq: row.seq, stationId, ...intervalFields(row) };
}

/** An interval's fields as the utility receives them, without the record's seq and station (also what `evsed intervals` prints). */
export function intervalFields(row: Omit<IntervalRow, "id">) {
  return {
    start: row.start,
    durationS: row.duration_s,
    sessionId: row.session_id,
    pevId: row.pev_id,
    premiseId: row.premise_id,
    account: row.account,
    program: row.program,
    importWh: row.import_wh,
    exportWh: row.export_wh,
    startRegisterWh: row.start_register_wh,
    endRegisterWh: row.end_register_wh,
    tariffId: row.tariff_id,
    period: row.period,
    currency: row.currency,
    priceMinorPerKWh: row.price_e4 === null ? null : priceFromE4(row.price_e4),
    costMinor: row.cost_e7 === null ? null : roundMinor(BigInt(row.cost_e7)),
    flags: JSON.parse(row.flags) as string[],
  };
}

/** What the SDR needs besides the session row and its intervals. */
export interface SdrContext {
  readonly stationId: string;
  readonly premiseId: string | null;
  readonly account: string | null;
  readonly program: string | null;
  /** Price (priceE4) at which an interval is billed to the premise, by interval start. */
  premisePriceE4(startMs: number): number;
}

/** The SDR context from the metering settings now. */
export function sdrContext(settings: MeteringSettings, stationId: string): SdrContext {
  return {
    stationId,
    premiseId: settings.premiseId(),
    account: settings.account(),
    program: settings.program(),
    premisePriceE4: (ms: number) => settings.tariffAt(ms).rate(ms, true).priceE4,
  };
}

/** The session data record (docs/schemas/session.schema.json, `sdr`). */
export type Sdr = ReturnType<typeof buildSdr>;

/**
 * The session data record (eMI3 SDR; P1 billing) carried by the `ended` session record as `sdr`.
 * Energy is the sum of the session's intervals (equal to the register difference); times are corrected
 * for clock steps; the cost is the exact sum of the interval costs, rounded once. A session billed to
 * the premise (meter lost) is priced at the premise rate throughout, without program.
 */
export function buildSdr(row: SessionRow, intervals: readonly IntervalRow[], cursor: Cursor | null, ctx: SdrContext) {
  const premise = cursor?.billedToPremise === true;
  const importWh = intervals.reduce((a, i) => a + i.import_wh, 0);
  const exportWh = intervals.reduce((a, i) => a + i.export_wh, 0);
  const currencies = new Set(intervals.map((i) => i.currency));
  let cost = 0n;
  for (const i of intervals) {
    const price = premise ? ctx.premisePriceE4(i.start_ms) : i.price_e4;
    if (price !== null) cost += BigInt(i.import_wh) * BigInt(price);
  }
  const shiftMs = cursor?.clockShiftMs ?? 0;
  const pluggedMs = Date.parse(row.plugged_at) + shiftMs;
  const endedMs = row.ended_at ? Date.parse(row.ended_at) : pluggedMs;
  const flags = new Set<string>(JSON.parse(row.flags) as string[]);
  for (const i of intervals) for (const f of JSON.parse(i.flags) as string[]) flags.add(f);
  const vehicle = cursor?.vehicleEnergyWh ?? null;
  return {
    ts: row.ended_at,
    evseId: ctx.stationId,
    sessionId: row.id,
    tokenId: maskId(row.token_id),
    pevId: row.pev_id,
    premiseId: ctx.premiseId,
    account: premise ? ctx.premiseId : ctx.account,
    program: premise ? null : ctx.program,
    billedTo: premise ? "premise" : "program",
    startedAt: isoSeconds(pluggedMs),
    endedAt: row.ended_at,
    connectedS: Math.max(0, Math.round((endedMs - pluggedMs) / 1000)),
    chargingS: Math.round((cursor?.chargingMs ?? 0) / 1000),
    importWh,
    exportWh,
    intervals: intervals.length,
    currency: currencies.size === 1 ? [...currencies][0] : null,
    costMinor: currencies.size === 1 ? roundMinor(cost) : null,
    vehicleEnergyWh: vehicle,
    eumdMinusVehicleWh: vehicle === null ? null : importWh - vehicle,
    stopReason: row.stop_reason,
    flags: [...flags].sort(),
  };
}
