import { randomUUID } from "node:crypto";
import type { Clock, MeterReading, TimerHandle } from "../../drivers/types.js";
import type { Bus, ChargeSnapshot, SessionSnapshot } from "../app/bus.js";
import type { StationControl } from "../app/control.js";
import type { Logger } from "../app/log.js";
import { maskId } from "../core/mask.js";
import type { StopReason } from "../core/status.js";
import { isoSeconds } from "../core/time.js";
import type { SessionAttribution } from "../store/binding-repo.js";
import { type Db, durably } from "../store/db.js";
import type { Outbox } from "../store/outbox.js";
import type { SessionRow, SessionsRepo, StampField } from "../store/sessions-repo.js";
import type { EventRecorder } from "./events.js";
import type { MeterPoller } from "./meter-poller.js";
import type { Sdr } from "./metering/records.js";
import { type RecordContext, type SessionEventName, sessionEnergy, sessionPayload } from "./records.js";

/**
 * The session ledger: one row per plug-in, energy as the difference of the meter's import register.
 *
 * - Plug-in (the controller reports a vehicle) opens a session with the current register; the commit
 *   and its `session started` record are durable (synchronous=FULL).
 * - Authorization fills in the token and the start of charging.
 * - Every `updateIntervalMs` the running register is saved with a `session updated` record.
 * - Unplug, or a stop while the vehicle stays, closes it durably with the register read then.
 * - Recovery after a crash: an open session found at boot is continued (same id) if the vehicle is
 *   still there at the first pilot reading — re-authorized if it was — and otherwise closed with
 *   `PowerLoss` (`Reboot` after a clean shutdown) at the meter's current register, or the last known.
 * The database enforces one open session per station, and closing an already-closed session changes
 * nothing, so a plug-in never gets a second start or a second stop.
 */
export class SessionService {
  private open: SessionRow | null = null;
  private recovering = false;
  private wasPlugged = false;
  private queue: Promise<void> = Promise.resolve();
  private updater: TimerHandle | null = null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: {
      readonly db: Db;
      readonly repo: SessionsRepo;
      readonly outbox: Outbox;
      readonly events: EventRecorder;
      readonly bus: Bus;
      readonly clock: Clock;
      readonly control: StationControl;
      readonly meter: MeterPoller | null;
      readonly ctx: RecordContext;
      readonly log: Logger;
      readonly notify: () => void;
      readonly updateIntervalMs: number;
      /** True when the previous run stopped cleanly (SIGTERM), so an interrupted session ends with Reboot. */
      readonly cleanShutdown: boolean;
      /**
       * Called inside the durable transaction that closes a session, with the closed row; what it returns
       * is added to the `ended` record (the metering service's session data record). Must not throw.
       */
      readonly onClosing?: (row: SessionRow) => { sdr: Sdr } | undefined;
      /** The session's charging time so far (the metering service's), saved with the running sum; null: unknown. */
      readonly chargingMs?: (sessionId: string) => number | null;
      /** Called just before the closing transaction (the metering service notices a clock change there). */
      readonly beforeClosing?: () => void;
      /** How a session is attributed (binding, account, program, offline authorization); records carry it. */
      readonly attribution?: (sessionId: string) => SessionAttribution | null;
      /** Told of every wall-clock stamp just after its commit (the metering service corrects them at the clock's first sync). */
      readonly stamped?: (sessionId: string, field: StampField, wallMs: number) => void;
    },
  ) {}

  /** Loads an interrupted session, if any, and starts following the controller. */
  start(): void {
    this.open = this.deps.repo.findOpen(this.deps.ctx.stationId);
    this.recovering = this.open !== null;
    if (this.open) this.deps.log.info({ sessionId: this.open.id }, "interrupted session found; waiting for the pilot to decide");
    this.unsubscribe.push(this.deps.bus.on("charge", (s) => this.onCharge(s)));
    this.unsubscribe.push(this.deps.bus.on("meter", ({ reading }) => this.onMeter(reading)));
    this.unsubscribe.push(
      this.deps.bus.on("pev", (e) => {
        if (e.kind === "connected") this.enqueue(() => this.setPev(e.pevId));
      }),
    );
    this.scheduleUpdate();
  }

  /** Stops following; waits for queued commits. Open sessions stay open for recovery. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    this.updater?.cancel();
    await this.queue;
    if (this.open && this.deps.meter?.latest()) this.saveProgress(this.deps.meter.latest()?.reading ?? null, false);
  }

  current(): SessionSnapshot | null {
    return this.open ? snapshotOf(this.open) : null;
  }

  /** Add a flag to the open session (e.g. meterUnavailable), queued behind the other ledger writes. */
  addFlag(flag: string): void {
    this.enqueue(() => {
      const row = this.open && this.deps.repo.get(this.open.id);
      if (!row) return;
      const flags: string[] = JSON.parse(row.flags);
      if (flags.includes(flag)) return;
      this.deps.repo.setFlags(row.id, [...flags, flag]);
      this.open = this.deps.repo.get(row.id);
    });
  }

  /**
   * Append a `session` record with event `corrected` for `row` (times corrected after the clock's first
   * sync), plus `extra`. Call inside the transaction that corrected the row.
   */
  recordCorrected(row: SessionRow, extra: { sdr?: Sdr }): void {
    // The in-memory row follows once the caller's transaction has ended: committed, or rolled back.
    queueMicrotask(() => {
      if (this.open?.id === row.id) this.open = this.deps.repo.get(row.id) ?? this.open;
    });
    if (extra.sdr) this.deps.repo.setSdr(row.id, extra.sdr);
    this.deps.outbox.append("session", isoSeconds(this.deps.clock.now()), (seq) => ({
      ...sessionPayload(seq, "corrected", row, this.deps.ctx, this.deps.attribution?.(row.id) ?? null),
      ...extra,
    }));
  }

  /** Resolves when every queued commit is done (tests and shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }

  private enqueue(op: () => Promise<void> | void): void {
    this.queue = this.queue.then(op).catch((err: unknown) => {
      this.deps.log.error({ err }, "session ledger write failed");
    });
  }

  private onCharge(s: ChargeSnapshot): void {
    if (this.recovering) {
      if (s.pilot === null) return;
      this.recovering = false;
      this.wasPlugged = s.vehiclePresent;
      const row = this.open as SessionRow;
      if (s.vehiclePresent) {
        this.deps.log.info({ sessionId: row.id }, "vehicle still plugged in: continuing the session");
        this.enqueue(() => {
          this.deps.events.record("sessionRecovered", { sessionId: row.id });
        });
        if (row.authorized === 1 && !s.authorized) this.deps.control.authorize(row.token_id, "recovery");
      } else {
        this.enqueue(() => this.close(this.deps.cleanShutdown ? "Reboot" : "PowerLoss"));
      }
      return;
    }
    const plugged = s.vehiclePresent;
    if (plugged && !this.wasPlugged) this.enqueue(() => this.begin());
    if (plugged && s.authorized) {
      // A new authorization after a stop while the vehicle stayed plugged in opens a new session.
      const tokenId = s.tokenId;
      this.enqueue(async () => {
        if (!this.open) await this.begin();
        this.markAuthorized(tokenId);
      });
    }
    if (plugged && !s.authorized && s.stopReason) {
      const reason = s.stopReason;
      this.enqueue(() => this.close(reason));
    }
    if (!plugged && this.wasPlugged) this.enqueue(() => this.close("EVDisconnected"));
    this.wasPlugged = plugged;
  }

  private async freshReading(): Promise<MeterReading | null> {
    const meter = this.deps.meter;
    if (!meter) return null;
    return (await meter.readNow()) ?? meter.latest()?.reading ?? null;
  }

  private async begin(): Promise<void> {
    if (this.open) return;
    const reading = await this.freshReading();
    if (this.open) return;
    const { db, repo, ctx, clock } = this.deps;
    const id = randomUUID();
    const pluggedMs = clock.now();
    const flags: string[] = [];
    if (!clock.isSynced()) flags.push("clockUnsynced");
    if (!reading) flags.push("meterUnavailable");
    durably(db, () => {
      repo.insert({
        id,
        station_id: ctx.stationId,
        plugged_at: isoSeconds(pluggedMs),
        start_register_wh: reading?.importWh ?? null,
        start_export_wh: reading?.exportWh ?? null,
        flags,
      });
      this.open = repo.get(id);
      this.appendRecord("started");
    });
    this.deps.stamped?.(id, "plugged_at", pluggedMs);
    this.deps.log.info({ sessionId: id, startRegisterWh: reading?.importWh ?? null }, "session started");
    this.emit("started");
  }

  private markAuthorized(tokenId: string | null): void {
    const row = this.open;
    if (!row || row.authorized === 1) return;
    const { db, repo, clock } = this.deps;
    const atMs = clock.now();
    db.transaction(() => {
      repo.authorize(row.id, tokenId, isoSeconds(atMs));
      this.open = repo.get(row.id);
    })();
    if (this.open?.started_at === isoSeconds(atMs)) this.deps.stamped?.(row.id, "started_at", atMs);
    this.deps.log.info({ sessionId: row.id, tokenId: maskId(tokenId) }, "session authorized");
  }

  private setPev(pevId: string): void {
    const row = this.open;
    if (!row || row.pev_id === pevId) return;
    this.deps.repo.setPev(row.id, pevId);
    this.open = this.deps.repo.get(row.id);
  }

  private async close(reason: StopReason): Promise<void> {
    if (!this.open) return;
    const reading = await this.freshReading();
    this.deps.beforeClosing?.();
    const row = this.open && this.deps.repo.get(this.open.id);
    if (!row) return;
    const { db, repo, clock } = this.deps;
    const endedMs = clock.now();
    const flags: string[] = JSON.parse(row.flags);
    const stopRegister = reading?.importWh ?? row.last_register_wh;
    const stopExport = reading?.exportWh ?? row.last_export_wh;
    if (!reading) flags.push("stopRegisterLastKnown");
    const start = row.start_register_wh;
    let energy: number | null = start !== null && stopRegister !== null ? stopRegister - start : null;
    if (energy !== null && energy < 0) {
      flags.push("registerDecreased");
      energy = 0;
    }
    const exportWh = row.start_export_wh !== null && stopExport !== null ? Math.max(0, stopExport - row.start_export_wh) : null;
    let closed = false;
    durably(db, () => {
      closed = repo.close({
        id: row.id,
        ended_at: isoSeconds(endedMs),
        stop_register_wh: stopRegister,
        stop_export_wh: stopExport,
        energy_wh: energy,
        export_wh: exportWh,
        stop_reason: reason,
        flags: [...new Set(flags)],
      });
      if (!closed) return;
      this.open = repo.get(row.id);
      const extra = this.open ? this.deps.onClosing?.(this.open) : undefined;
      this.open = repo.get(row.id);
      const sdr = extra?.sdr;
      // Across a meter reset the register difference means nothing; the intervals were rebased. The
      // metering service may have seen the reset only in the closing read (its flag is still queued).
      if (this.open && sdr?.flags.includes("registerReset")) {
        const rowFlags: string[] = JSON.parse(this.open.flags);
        if (!rowFlags.includes("registerReset")) repo.setFlags(row.id, [...rowFlags, "registerReset"]);
        repo.setEnergy(row.id, sdr.importWh, sdr.exportWh);
        this.open = repo.get(row.id);
        energy = this.open?.energy_wh ?? energy;
      }
      if (sdr) repo.setSdr(row.id, sdr);
      this.appendRecord("ended", extra);
    });
    if (closed) this.deps.stamped?.(row.id, "ended_at", endedMs);
    this.deps.log.info({ sessionId: row.id, reason, energyWh: energy }, "session ended");
    this.emit("ended");
    this.open = null;
  }

  private onMeter(reading: MeterReading): void {
    const row = this.open;
    if (!row || this.recovering) return;
    if (row.start_register_wh === null) {
      this.deps.repo.setBaseline(row.id, reading.importWh, reading.exportWh);
      this.open = this.deps.repo.get(row.id);
    }
  }

  private scheduleUpdate(): void {
    this.updater = this.deps.clock.setTimer(this.deps.updateIntervalMs, () => {
      const latest = this.deps.meter?.latest();
      if (this.open && !this.recovering && latest) this.enqueue(() => this.saveProgress(latest.reading, true));
      this.scheduleUpdate();
    });
  }

  /** Running summation: the register so far, and (when `report`) a `session updated` record. */
  private saveProgress(reading: MeterReading | null, report: boolean): void {
    const row = this.open;
    if (!row || !reading || row.start_register_wh === null) return;
    const { db, repo } = this.deps;
    db.transaction(() => {
      repo.progress(row.id, reading.importWh, reading.exportWh, this.deps.chargingMs?.(row.id) ?? null);
      this.open = repo.get(row.id);
      if (report) this.appendRecord("updated");
    })();
    if (report) this.emit("updated");
  }

  /** Call inside the transaction that changed `this.open`. */
  private appendRecord(event: SessionEventName, extra?: Record<string, unknown>): void {
    const row = this.open;
    if (!row) return;
    this.deps.outbox.append("session", isoSeconds(this.deps.clock.now()), (seq) => ({
      ...sessionPayload(seq, event, row, this.deps.ctx, this.deps.attribution?.(row.id) ?? null),
      ...extra,
    }));
  }

  private emit(kind: SessionEventName): void {
    if (this.open) this.deps.bus.emit("session", { kind, session: snapshotOf(this.open) });
    this.deps.notify();
  }
}

function snapshotOf(row: SessionRow): SessionSnapshot {
  const { energyWh, exportWh, registerWh } = sessionEnergy(row);
  return {
    id: row.id,
    pluggedAt: row.plugged_at,
    tokenId: row.token_id,
    pevId: row.pev_id,
    startRegisterWh: row.start_register_wh,
    registerWh,
    energyWh,
    exportWh,
    endedAt: row.ended_at,
    stopReason: row.stop_reason,
  };
}
