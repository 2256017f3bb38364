import { type IntervalLengthS, openAt } from "../../core/intervals.js";
import type { Cursor } from "../../store/intervals-repo.js";
import type { SessionRow } from "../../store/sessions-repo.js";

/**
 * The first metering cursor of a session once it has its start register (pure). Anchored at the plug-in,
 * or at the present when the session began before the clock was synchronized and it is now; flagged
 * `clockUnsynced` unless it began and goes on synchronized; billed to the premise from the start when
 * the meter was lost (`meterLost` raised) before its first reading.
 */
export function firstCursor(
  row: SessionRow & { readonly start_register_wh: number },
  ctx: { readonly synced: boolean; readonly nowMs: number; readonly meterLost: boolean; lengthAt(ms: number): IntervalLengthS },
): Cursor {
  const rowFlags = JSON.parse(row.flags) as string[];
  const startedUnsynced = rowFlags.includes("clockUnsynced");
  const atMs = startedUnsynced && ctx.synced ? ctx.nowMs : Date.parse(row.plugged_at);
  // Only a loss (failing for `meterLossS`) bills the premise; the ledger's `meterUnavailable` flag also
  // marks a single failed read at plug-in.
  const lost = ctx.meterLost;
  const flags = [...(ctx.synced && !startedUnsynced ? [] : ["clockUnsynced"]), ...(lost ? ["meterUnavailable"] : [])];
  const anchor = { atMs, importWh: row.start_register_wh, exportWh: row.start_export_wh ?? 0 };
  const open = openAt(anchor, ctx.lengthAt(atMs), flags);
  return { open, carry: flags, chargingMs: 0, clockShiftMs: 0, vehicleEnergyWh: null, billedToPremise: lost };
}
