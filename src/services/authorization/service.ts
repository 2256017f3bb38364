import type { Static } from "@sinclair/typebox";
import type { Clock, TimerHandle } from "../../../drivers/types.js";
import type { Bus, ChargeSnapshot } from "../../app/bus.js";
import type { StationControl } from "../../app/control.js";
import type { Logger } from "../../app/log.js";
import type { AuthorizationSection } from "../../config/sections/authorization.js";
import { type AuthDecision, type AuthLimits, type AuthPolicies, reconcile, tighter } from "../../core/authorization.js";
import { maskId } from "../../core/mask.js";
import type { BindingRepo } from "../../store/binding-repo.js";
import type { EventRecorder } from "../events.js";
import { CommandRejected } from "../uplink/commands/registry.js";
import type { ActivationState } from "./activation.js";
import type { Authorizer } from "./authorizer.js";
import { LimitWatch } from "./limits.js";

type Source = "rfid" | "pev" | "remote" | "free";

/** Who is charging now: the identifier (unmasked, in memory only) and how it was accepted. */
interface Active {
  readonly idTag: string | null;
  readonly parent: string | null;
  readonly offline: boolean;
  readonly via: string;
}

export interface AuthorizationDeps {
  readonly config: Static<typeof AuthorizationSection>;
  readonly bus: Bus;
  readonly control: StationControl;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly clock: Clock;
  readonly authorizer: Authorizer;
  readonly activation: ActivationState;
  readonly attribution: BindingRepo;
  /** The open session: id, start register and identifier. */
  session(): { readonly id: string; readonly startRegisterWh: number | null; readonly tokenId: string | null } | null;
  flagSession(flag: string): void;
  /** Price (priceE4) in force at `ms`, for `maxCost`; null: no tariff. */
  priceE4At(ms: number): number | null;
}

export function policiesOf(c: Static<typeof AuthorizationSection>): AuthPolicies {
  return {
    localAuthorizeOffline: c.localAuthorizeOffline,
    localPreAuthorize: c.localPreAuthorize,
    allowOfflineTxForUnknownId: c.allowOfflineTxForUnknownId,
    maxEnergyOnInvalidIdWh: c.maxEnergyOnInvalidIdWh ?? null,
    stopTransactionOnInvalidId: c.stopTransactionOnInvalidId,
  };
}

/**
 * Who may charge, and for how much. Identifiers come from the token reader, the PEV link (autocharge)
 * and the remote `start` command; the Authorizer decides. An accepted tap without a vehicle waits
 * ConnectionTimeOut for the plug-in. A tap of the charging card (or one of its group) stops the session.
 * `maxEnergyWh` / `maxCost` stop it with EnergyLimitReached / CostLimitReached. A session started
 * offline is flagged `offline` and its identifier asked about again until the backend answers; a
 * rejection stops it (StopTransactionOnInvalidId) or caps it at MaxEnergyOnInvalidId.
 */
export class AuthorizationService {
  private last: ChargeSnapshot | null = null;
  private active: Active | null = null;
  private pendingTap: {
    readonly decision: Extract<AuthDecision, { kind: "accept" }>;
    readonly idTag: string | null;
    readonly source: Source;
    readonly timer: TimerHandle;
  } | null = null;
  private reconcileTimer: TimerHandle | null = null;
  private readonly limits: LimitWatch;
  private readonly policies: AuthPolicies;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: AuthorizationDeps) {
    this.limits = new LimitWatch((ms) => deps.priceE4At(ms));
    this.policies = policiesOf(deps.config);
  }

  start(): void {
    const { bus } = this.deps;
    this.restore();
    this.unsubscribe.push(
      bus.on("token", (t) => void this.present(t.id, "rfid")),
      bus.on("pev", (e) => {
        if (e.kind === "connected" && this.deps.config.autocharge) void this.present(e.pevId, "pev");
      }),
      bus.on("charge", (s) => this.onCharge(s)),
      bus.on("meter", ({ at, reading }) => this.onMeter(at, reading.importWh)),
      bus.on("session", (e) => {
        if (e.kind === "started") this.recordAuthorization();
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.pendingTap?.timer.cancel();
    this.pendingTap = null;
    this.reconcileTimer?.cancel();
    this.reconcileTimer = null;
  }

  /** The remote `start` command: the backend's command is the authorization (OCPP AuthorizeRemoteTxRequests false). */
  remoteStart(tokenId: string | null): void {
    if (!this.deps.activation.isActive()) throw new CommandRejected("the station is not activated (command activate)");
    this.accept({ kind: "accept", via: "online", offline: false, limits: {}, parent: null }, tokenId, "remote");
  }

  /** An identifier was presented. Resolves once it has been decided (tests). */
  async present(idTag: string, source: Source): Promise<AuthDecision> {
    const { control, log, events, authorizer } = this.deps;
    const s = control.snapshot();
    if (source === "rfid" && s.authorized && this.active && (this.sameHolder(idTag) || (await this.sameGroupAsked(idTag)))) {
      log.info({ tokenId: maskId(idTag) }, "token of the session's holder shown: stopping its session");
      control.stopCharging("Local");
      return { kind: "reject", reason: "ConcurrentTx" };
    }
    if (s.authorized && s.vehiclePresent) return { kind: "reject", reason: "ConcurrentTx" };
    const decision = await authorizer.authorize(idTag);
    if (decision.kind === "accept") this.accept(decision, idTag, source);
    else if (decision.kind === "reject") {
      log.warn({ tokenId: maskId(idTag), source, reason: decision.reason }, "identifier not authorized");
      events.record("authorizationRejected", { tokenId: maskId(idTag), source, reason: decision.reason });
    }
    return decision;
  }

  private sameHolder(idTag: string): boolean {
    const a = this.active;
    if (!a || a.idTag === null) return false;
    if (a.idTag.toUpperCase() === idTag.toUpperCase()) return true;
    return a.parent !== null && this.deps.authorizer.parentOf(idTag) === a.parent;
  }

  /**
   * A different card while a session of a group (parentIdTag) runs, whose group neither the list nor
   * the cache knows: ask (OCPP: Authorize to learn the parent), and compare. The answer is cached.
   */
  private async sameGroupAsked(idTag: string): Promise<boolean> {
    const a = this.active;
    if (!a || a.parent === null || this.deps.authorizer.parentOf(idTag) !== null) return false;
    const d = await this.deps.authorizer.authorize(idTag);
    return d.kind === "accept" && d.parent === a.parent && this.active === a;
  }

  private accept(decision: Extract<AuthDecision, { kind: "accept" }>, idTag: string | null, source: Source): void {
    const s = this.deps.control.snapshot();
    if (!s.vehiclePresent) {
      this.pendingTap?.timer.cancel();
      const timer = this.deps.clock.setTimer(this.deps.config.connectionTimeOutS * 1000, () => {
        if (!this.pendingTap) return;
        this.pendingTap = null;
        this.deps.log.info({ tokenId: maskId(idTag) }, "no vehicle within ConnectionTimeOut: authorization dropped");
        this.deps.events.record("authorizationExpired", { tokenId: maskId(idTag), reason: "ConnectionTimeOut" });
      });
      this.pendingTap = { decision, idTag, source, timer };
      return;
    }
    this.begin(decision, idTag, source);
  }

  private begin(decision: Extract<AuthDecision, { kind: "accept" }>, idTag: string | null, source: Source): void {
    const { control, log } = this.deps;
    this.active = { idTag, parent: decision.parent, offline: decision.offline, via: decision.via };
    this.limits.arm(decision.limits);
    log.info({ tokenId: maskId(idTag), source, via: decision.via, offline: decision.offline, limits: decision.limits }, "authorized");
    control.authorize(idTag, source);
    this.recordAuthorization();
    if (decision.offline && idTag !== null && decision.via !== "testCard") this.scheduleReconcile(0);
  }

  /** Writes the attribution of the open session (called again once the session row exists). */
  private recordAuthorization(): void {
    const session = this.deps.session();
    const a = this.active;
    if (!session || !a) return;
    const limits = this.limits.current();
    const hasLimits = limits.maxEnergyWh !== undefined || limits.maxCost !== undefined;
    this.deps.attribution.setAuthorization(session.id, a.offline, a.via, hasLimits ? JSON.stringify(limits) : null);
    if (a.offline) this.deps.flagSession("offline");
  }

  private onCharge(s: ChargeSnapshot): void {
    const plugged = s.vehiclePresent && !this.last?.vehiclePresent;
    const unplugged = !s.vehiclePresent && this.last?.vehiclePresent === true;
    const stopped = this.last?.authorized === true && !s.authorized;
    this.last = s;
    if (plugged && this.pendingTap) {
      const p = this.pendingTap;
      p.timer.cancel();
      this.pendingTap = null;
      this.begin(p.decision, p.idTag, p.source);
    } else if (plugged && this.deps.config.freeVend && !s.authorized) {
      this.begin({ kind: "accept", via: "testCard", offline: false, limits: {}, parent: null }, null, "free");
    }
    if (unplugged || stopped) {
      this.active = null;
      this.limits.disarm();
      this.reconcileTimer?.cancel();
      this.reconcileTimer = null;
    }
  }

  private onMeter(atMs: number, importWh: number): void {
    if (!this.active) return;
    const session = this.deps.session();
    if (!session) return;
    const reached = this.limits.onReading(atMs, importWh, session.startRegisterWh);
    if (!reached) return;
    this.deps.log.info({ sessionId: session.id, reason: reached, limits: this.limits.current() }, "session limit reached");
    this.deps.events.record("limitReached", { sessionId: session.id, reason: reached, ...this.limits.current() });
    this.deps.control.stopCharging(reached);
  }

  private scheduleReconcile(delayMs: number): void {
    this.reconcileTimer?.cancel();
    this.reconcileTimer = this.deps.clock.setTimer(delayMs, () => void this.reconcileNow());
  }

  private async reconcileNow(): Promise<void> {
    const a = this.active;
    const session = this.deps.session();
    if (!a?.offline || a.idTag === null || !session) return;
    const answer = await this.deps.authorizer.ask(a.idTag);
    if (this.active !== a) return;
    if (!answer) {
      this.scheduleReconcile(this.deps.config.reconcileRetryS * 1000);
      return;
    }
    const outcome = reconcile(answer, this.deps.clock.now(), this.policies);
    this.active = { ...a, offline: false };
    this.deps.attribution.setReconciled(session.id, outcome.kind === "confirmed" ? "Accepted" : outcome.status);
    this.deps.events.record("authorizationReconciled", {
      sessionId: session.id,
      tokenId: maskId(a.idTag),
      outcome: outcome.kind,
      ...(outcome.kind === "confirmed" ? {} : { status: outcome.status }),
    });
    if (outcome.kind === "confirmed") this.limits.arm(tighter(this.limits.current(), outcome.limits), true);
    else if (outcome.kind === "stop") this.deps.control.stopCharging("DeAuthorized");
    else if (outcome.maxEnergyWh !== null) this.limits.arm(tighter(this.limits.current(), { maxEnergyWh: outcome.maxEnergyWh }), true);
  }

  /** After a restart inside a session: the limits and offline state saved with it. */
  private restore(): void {
    const session = this.deps.session();
    const saved = session ? this.deps.attribution.attribution(session.id) : null;
    if (!saved?.authorizedVia) return;
    const limits: AuthLimits = saved.limits ? (JSON.parse(saved.limits) as AuthLimits) : {};
    this.limits.arm(limits);
    const offline = saved.offline && saved.reconciled === null;
    this.active = { idTag: session?.tokenId ?? null, parent: null, offline, via: saved.authorizedVia };
    if (offline) this.scheduleReconcile(0);
  }
}
