import { maskId } from "../core/mask.js";
import type { SessionAttribution } from "../store/binding-repo.js";
import type { SessionRow } from "../store/sessions-repo.js";

/** Station identity stamped on every record for the utility. */
export interface RecordContext {
  readonly stationId: string;
  readonly premiseId: string | null;
}

export type SessionEventName = "started" | "updated" | "ended";
/** `corrected`: the session's times were corrected after the clock's first synchronization. */
export type SessionRecordEvent = SessionEventName | "corrected";

/** Energy of a session so far: register difference, never negative, never integrated power. */
export function sessionEnergy(row: SessionRow): { energyWh: number; exportWh: number; registerWh: number | null } {
  const registerWh = row.stop_register_wh ?? row.last_register_wh;
  const exportReg = row.stop_export_wh ?? row.last_export_wh;
  // A closed session's stored energy is authoritative (it is the interval sum after a meter reset).
  const energyWh =
    row.energy_wh ?? (row.start_register_wh !== null && registerWh !== null ? Math.max(0, registerWh - row.start_register_wh) : 0);
  const exportWh = row.export_wh ?? (row.start_export_wh !== null && exportReg !== null ? Math.max(0, exportReg - row.start_export_wh) : 0);
  return { energyWh, exportWh, registerWh };
}

/**
 * The `session` payload of DESIGN.md (identifiers masked). `attr` (binding and authorization) sets
 * account, program, binding and offline; without it the premise is the account and there is no program.
 */
export function sessionPayload(
  seq: number,
  event: SessionRecordEvent,
  row: SessionRow,
  ctx: RecordContext,
  attr: SessionAttribution | null = null,
): Record<string, unknown> {
  const { energyWh, exportWh, registerWh } = sessionEnergy(row);
  const settled = attr !== null && (attr.binding === "bound" || attr.binding === "unbound");
  return {
    seq,
    event,
    stationId: ctx.stationId,
    sessionId: row.id,
    pevId: row.pev_id,
    tokenId: maskId(row.token_id),
    premiseId: ctx.premiseId,
    account: settled ? attr.account : ctx.premiseId,
    program: settled ? attr.program : null,
    binding: attr?.binding ?? "none",
    payer: settled ? attr.payer : null,
    offline: attr?.offline ?? false,
    pluggedAt: row.plugged_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    startRegisterWh: row.start_register_wh,
    registerWh,
    energyWh,
    exportWh,
    stopReason: row.stop_reason,
    flags: JSON.parse(row.flags) as string[],
  };
}
