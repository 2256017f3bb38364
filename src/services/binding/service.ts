import type { Clock, TimerHandle } from "../../../drivers/types.js";
import type { Bus } from "../../app/bus.js";
import type { StationControl } from "../../app/control.js";
import type { Logger } from "../../app/log.js";
import { InputError } from "../../config/validate.js";
import { type IntervalLengthS, isIntervalLength } from "../../core/intervals.js";
import { maskId } from "../../core/mask.js";
import { isoSeconds } from "../../core/time.js";
import type { BindingRepo, ProgramParams, SessionAttribution } from "../../store/binding-repo.js";
import type { EventRecorder } from "../events.js";
import type { RequestClient } from "../uplink/requests.js";
import type { StatusBinding } from "../uplink/status.js";
import { parseBindAnswer } from "./answer.js";

/** The limit source that holds charging until the binding is settled (NF.2/NF.3). */
export const BINDING_GATE = "binding";

type Phase = "idle" | "waiting" | "pending" | "bound" | "unbound";

export interface BindingDeps {
  readonly config: { readonly enabled: boolean; readonly timeoutS: number; readonly waitBeforeCharging: boolean; readonly retryS: number };
  readonly premiseId: string | null;
  /** Whether the board has a PEV link; without one nothing is bound. */
  readonly hasPevLink: boolean;
  readonly repo: BindingRepo;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly events: EventRecorder;
  readonly control: StationControl;
  requests(): RequestClient | null;
  /** The open session's id, if any. */
  sessionId(): string | null;
  /** Configure the EUMD interval length (P1 requirement 25). */
  setIntervalLength(s: IntervalLengthS): void;
  intervalS(): number;
}

/**
 * Binds the plugged-in PEV to its utility program (P1 scenarios 3.1/3.2).
 *
 * Without an uplink, a premise ID or a PEV link there is no binding: records keep the configured account.
 * - Plug-in: `waiting` for the PEV ID; charging is held (limit 0 A under `binding`) unless
 *   `waitBeforeCharging` is off.
 * - A PEV with stored parameters is bound at once (requirement 28); `req/bind {rebind: true}` tells the
 *   utility afterwards, and a Rejected answer revokes the binding (stored parameters forgotten, the rest
 *   of the session billed to the premise).
 * - An unknown PEV: `req/bind {pevId, premiseId}`; Accepted parameters are stored, the interval length
 *   configured, and the binding acknowledged with an `event` of kind `binding`.
 * - No answer within `timeoutS` of plug-in, a Rejected or malformed answer: `unbound` — charging goes on at
 *   the premise default rate, billed to the premise account (requirement 10).
 * The outcome is written to the session's attribution row, which session and interval records read.
 */
export class BindingService {
  private phase: Phase = "idle";
  private pevId: string | null = null;
  private params: ProgramParams | null = null;
  private reason: string | null = null;
  private deadline: TimerHandle | null = null;
  private retry: TimerHandle | null = null;
  private plugSerial = 0;
  private wasPlugged = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: BindingDeps) {}

  /** Binding needs a utility to ask (the uplink), a premise and a PEV link. */
  private applicable(): boolean {
    return this.deps.config.enabled && this.deps.hasPevLink && this.deps.premiseId !== null && this.deps.requests() !== null;
  }

  /** Restores the open session's binding (crash recovery) and starts following plug-ins. */
  start(): void {
    const id = this.deps.sessionId();
    const saved = id ? this.deps.repo.attribution(id) : null;
    if (saved && (saved.binding === "bound" || saved.binding === "unbound")) {
      this.phase = saved.binding;
      this.pevId = saved.pevId;
      this.reason = saved.bindingReason;
      this.params = saved.pevId && saved.binding === "bound" ? this.deps.repo.params(saved.pevId) : null;
      this.wasPlugged = true;
    }
    const { bus } = this.deps;
    this.unsubscribe.push(
      bus.on("charge", (s) => {
        if (s.vehiclePresent && !this.wasPlugged) this.onPlug();
        if (!s.vehiclePresent && this.wasPlugged) this.onUnplug();
        this.wasPlugged = s.vehiclePresent;
      }),
      bus.on("pev", (e) => {
        if (e.kind === "connected") this.onPevId(e.pevId);
      }),
      bus.on("session", (e) => {
        if (e.kind === "started") this.persist();
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.clearTimers();
  }

  /** The binding for `status` (PEV ID masked); null without a vehicle or without binding. */
  statusBinding(): StatusBinding | null {
    if (this.phase === "idle") return null;
    const a = this.attribution();
    return { pevId: maskId(this.pevId), program: a.program, account: a.account };
  }

  /** Phase of the current plug-in (tests, status). */
  state(): { phase: Phase; pevId: string | null; reason: string | null; params: ProgramParams | null } {
    return { phase: this.phase, pevId: this.pevId, reason: this.reason, params: this.params };
  }

  private attribution(): Pick<SessionAttribution, "pevId" | "binding" | "bindingReason" | "account" | "program" | "payer"> {
    const bound = this.phase === "bound" && this.params !== null;
    return {
      pevId: this.pevId,
      binding: this.phase === "bound" ? "bound" : this.phase === "unbound" ? "unbound" : "pending",
      bindingReason: this.reason,
      account: bound ? (this.params as ProgramParams).account : this.deps.premiseId,
      program: bound ? (this.params as ProgramParams).program : null,
      payer: bound ? (this.params as ProgramParams).payer : "premise",
    };
  }

  private onPlug(): void {
    this.clearTimers();
    this.plugSerial++;
    this.pevId = null;
    this.params = null;
    this.reason = null;
    if (!this.applicable()) {
      this.phase = "idle";
      return;
    }
    this.phase = "waiting";
    if (this.deps.config.waitBeforeCharging) this.deps.control.setLimit(BINDING_GATE, 0);
    const serial = this.plugSerial;
    this.deadline = this.deps.clock.setTimer(this.deps.config.timeoutS * 1000, () => {
      if (serial === this.plugSerial && (this.phase === "waiting" || this.phase === "pending")) this.settleUnbound("timeout");
    });
  }

  private onUnplug(): void {
    this.clearTimers();
    this.plugSerial++;
    this.phase = "idle";
    this.deps.control.setLimit(BINDING_GATE, null);
  }

  private onPevId(pevId: string): void {
    if (this.phase !== "waiting") return;
    this.pevId = pevId;
    const stored = this.deps.repo.params(pevId);
    if (stored) {
      this.settleBound(stored, "stored");
      void this.confirmRebind(pevId, this.plugSerial);
      return;
    }
    if (!this.deps.requests()) {
      this.settleUnbound("noUplink");
      return;
    }
    this.phase = "pending";
    this.persist();
    void this.ask(pevId, this.plugSerial);
  }

  private async ask(pevId: string, serial: number): Promise<void> {
    const requests = this.deps.requests();
    if (!requests) return;
    let raw: Record<string, unknown>;
    try {
      raw = await requests.request("bind", { pevId, premiseId: this.deps.premiseId }, this.deps.config.timeoutS * 1000);
    } catch (err) {
      if (serial !== this.plugSerial || this.phase !== "pending") return;
      this.deps.log.info({ pevId: maskId(pevId), reason: err instanceof Error ? err.message : String(err) }, "binding: no answer yet");
      this.retry = this.deps.clock.setTimer(this.deps.config.retryS * 1000, () => void this.ask(pevId, serial));
      return;
    }
    if (serial !== this.plugSerial || this.phase !== "pending") return;
    try {
      const outcome = parseBindAnswer(raw, this.deps.premiseId as string);
      if (outcome.status === "Rejected") this.settleUnbound("rejected");
      else {
        this.deps.repo.store(pevId, outcome.params, isoSeconds(this.deps.clock.now()));
        this.settleBound(outcome.params, "utility");
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.deps.log.warn({ pevId: maskId(pevId), problem: err.message }, "binding: malformed answer");
      this.settleUnbound("invalidAnswer");
    }
  }

  /** Re-binding: tell the utility; a Rejected answer revokes, new parameters replace the stored ones. */
  private async confirmRebind(pevId: string, serial: number): Promise<void> {
    const requests = this.deps.requests();
    if (!requests) return;
    let outcome: ReturnType<typeof parseBindAnswer>;
    try {
      const raw = await requests.request("bind", { pevId, premiseId: this.deps.premiseId, rebind: true }, this.deps.config.timeoutS * 1000);
      outcome = parseBindAnswer(raw, this.deps.premiseId as string);
    } catch (err) {
      this.deps.log.info({ pevId: maskId(pevId), reason: err instanceof Error ? err.message : String(err) }, "re-binding not confirmed");
      return;
    }
    if (outcome.status === "Rejected") {
      this.deps.repo.forget(pevId);
      if (serial === this.plugSerial && this.phase === "bound") {
        this.phase = "unbound";
        this.params = null;
        this.reason = "revoked";
        this.persist();
      }
      this.deps.events.record("binding", { pevId, premiseId: this.deps.premiseId, status: "revoked" });
      this.deps.log.warn({ pevId: maskId(pevId) }, "binding revoked by the utility: billed to the premise");
      return;
    }
    this.deps.repo.store(pevId, outcome.params, isoSeconds(this.deps.clock.now()));
    if (serial === this.plugSerial && this.phase === "bound") {
      this.params = outcome.params;
      this.applyInterval(outcome.params);
      this.persist();
    }
  }

  private settleBound(params: ProgramParams, via: "stored" | "utility"): void {
    this.clearTimers();
    this.phase = "bound";
    this.params = params;
    this.reason = via;
    this.applyInterval(params);
    this.persist();
    this.deps.control.setLimit(BINDING_GATE, null);
    this.deps.events.record("binding", {
      pevId: this.pevId,
      premiseId: this.deps.premiseId,
      status: "bound",
      via,
      program: params.program,
      payer: params.payer,
      account: params.account,
      intervalS: this.deps.intervalS(),
    });
    this.deps.log.info({ pevId: maskId(this.pevId), program: params.program, via }, "PEV bound");
  }

  private settleUnbound(reason: string): void {
    this.clearTimers();
    this.phase = "unbound";
    this.params = null;
    this.reason = reason;
    this.persist();
    this.deps.control.setLimit(BINDING_GATE, null);
    this.deps.events.record("binding", { pevId: this.pevId, premiseId: this.deps.premiseId, status: "unbound", reason });
    this.deps.log.info({ pevId: maskId(this.pevId), reason }, "PEV not bound: charging at the premise default rate");
  }

  private applyInterval(params: ProgramParams): void {
    if (params.intervalS !== null && isIntervalLength(params.intervalS) && params.intervalS !== this.deps.intervalS()) {
      this.deps.setIntervalLength(params.intervalS);
    }
  }

  private persist(): void {
    const id = this.deps.sessionId();
    if (!id || this.phase === "idle") return;
    this.deps.repo.setBinding(id, this.attribution());
  }

  private clearTimers(): void {
    this.deadline?.cancel();
    this.retry?.cancel();
    this.deadline = null;
    this.retry = null;
  }
}
