import type { ClosedInterval } from "../../core/intervals.js";
import { costE7 } from "../../core/tariff.js";
import { isoSeconds } from "../../core/time.js";
import type { IntervalsRepo, NewInterval } from "../../store/intervals-repo.js";
import type { Outbox } from "../../store/outbox.js";
import type { SessionRow } from "../../store/sessions-repo.js";
import type { IdleOwner } from "./idle.js";
import { intervalPayload } from "./records.js";
import type { MeteringSettings } from "./settings.js";

/**
 * Rates closed intervals and writes each with its `interval` outbox record. Call inside the transaction
 * that also moves the cursor, so an interval and its record exist together or not at all.
 */
export class IntervalWriter {
  constructor(
    private readonly deps: {
      readonly repo: IntervalsRepo;
      readonly outbox: Outbox;
      readonly settings: MeteringSettings;
      readonly stationId: string;
      readonly now: () => number;
    },
  ) {}

  /**
   * Rate and store `closed` for `session` (an idle owner: no session, no PEV); a session billed to the
   * premise gets no program. `extra` is added to every record (a correction's `supersedes`). Returns
   * the records' seqs.
   */
  write(
    session: Pick<SessionRow, "id" | "pev_id"> | IdleOwner,
    closed: readonly ClosedInterval[],
    billedToPremise: boolean,
    extra: Record<string, unknown> = {},
  ): number[] {
    const { repo, outbox, settings, stationId } = this.deps;
    const createdAt = isoSeconds(this.deps.now());
    const seqs: number[] = [];
    for (const c of closed) {
      const tariff = settings.tariffAt(c.startMs);
      const rate = tariff.rate(c.startMs, billedToPremise);
      const base: Omit<NewInterval, "seq"> = {
        session_id: session.id,
        start: isoSeconds(c.startMs),
        start_ms: c.startMs,
        duration_s: c.durationS,
        import_wh: c.importWh,
        export_wh: c.exportWh,
        start_register_wh: c.startImportWh,
        end_register_wh: c.endImportWh,
        start_export_wh: c.startExportWh,
        end_export_wh: c.endExportWh,
        pev_id: session.pev_id,
        premise_id: settings.premiseId(),
        account: billedToPremise ? settings.premiseId() : settings.account(),
        program: billedToPremise ? null : settings.program(),
        tariff_id: tariff.spec.id,
        period: rate.period,
        currency: tariff.spec.currency,
        price_e4: rate.priceE4,
        cost_e7: Number(costE7(c.importWh, rate.priceE4)),
        flags: [...c.flags].sort(),
      };
      outbox.append("interval", createdAt, (seq) => {
        const row = { ...base, seq };
        repo.insert(row);
        seqs.push(seq);
        return { ...intervalPayload(stationId, { ...row, flags: JSON.stringify(row.flags) }), ...extra };
      });
    }
    return seqs;
  }
}
