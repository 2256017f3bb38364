import type { DriverLog } from "../driver-log.js";
import { Listeners } from "../listeners.js";
import type { Clock, FaultCode, PilotEvent, PilotOutput, PilotState, TimerHandle } from "../types.js";
import type { RapiLink } from "./link.js";
import { type ControllerStatus, EvseState, faultOfPostCode, faultOfState, parseStatus, pilotOf, VFlag } from "./states.js";

export interface RapiControllerOptions {
  readonly clock: Clock;
  readonly log: DriverLog;
  /** Heartbeat supervision interval configured on the controller (`$SY`), s. */
  readonly heartbeatIntervalS: number;
  /** Current the controller falls back to when the host misses a heartbeat, A. */
  readonly heartbeatFallbackA: number;
}

/** What the controller was last successfully told. */
type Applied = { readonly mode: "pwm"; readonly amps: number } | { readonly mode: "standby" } | { readonly mode: "off" };

/** Magic cookie that acknowledges a missed heartbeat (rapi_proc.h, HS_ACK_COOKIE). */
const HS_ACK_COOKIE = 165;

/**
 * The state of one OpenEVSE controller, shared by its Pilot and Contactor faces. Contract:
 * - output: `pwm` → `$SC amps V` (amps floored: never offers more than asked) then `$FE`; `standby`
 *   → `$FS`; `off` → `$FD`. Only the latest wanted output is applied; it is re-applied after a
 *   reconnect, a controller reboot (`$AB`) or when the reported state contradicts it;
 * - contactor: the controller switches its own relay. Opening what was commanded closed sleeps the
 *   controller at once (`$FS`, ahead of the queue) until the next `setOutput` or `set(true)`;
 * - heartbeat: `$SY interval fallback` after every (re)connect, then a `$SY` pulse and a `$GS` poll
 *   every third of the interval; a missed pulse is acknowledged and reported;
 * - events: a pilot `state` on each change of (state, diodeOk); a `fault` on entering each fault
 *   state or a failed power-on self-test; `link` when the line goes up or down; relay feedback from
 *   the controller's charging-on flag. Every unreadable frame or refused command is one `problems` event.
 */
export class RapiController {
  readonly pilotEvents: Listeners<PilotEvent>;
  readonly feedbackEvents: Listeners<boolean>;
  readonly problems: Listeners<string>;

  private wanted: PilotOutput = { mode: "standby" };
  private held = false;
  private applied: Applied | undefined;
  private applying = false;
  /** Bumped whenever what the controller holds becomes unknown; stale apply results are discarded. */
  private epoch = 0;
  private reapply = false;
  private pilot: { state: PilotState; diodeOk: boolean } | undefined;
  private faultState: number | undefined;
  private relayClosed: boolean | undefined;
  private heartbeat: TimerHandle | undefined;
  private users = 0;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly link: RapiLink,
    private readonly opts: RapiControllerOptions,
  ) {
    const onError = (err: unknown) => opts.log.warn(`rapi listener failed: ${String(err)}`);
    this.pilotEvents = new Listeners(onError);
    this.feedbackEvents = new Listeners(onError);
    this.problems = new Listeners(onError);
    link.problems.add((p) => this.problem(p));
    link.notifications.add((n) => this.onNotification(n.code, n.params));
    link.status.add((s) => this.onLinkStatus(s.up, s.detail));
  }

  /** Start once for all faces; rejects naming the device when it cannot be opened or does not answer. */
  start(): Promise<void> {
    this.users++;
    this.starting ??= this.open();
    return this.starting;
  }

  /** Stops when the last face stops; asks the controller to sleep first (best effort). */
  async stop(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || !this.starting) return;
    this.starting = undefined;
    this.heartbeat?.cancel();
    if (this.link.isUp) await this.link.request("FS", [], true).catch(() => undefined);
    await this.link.stop();
  }

  setOutput(output: PilotOutput): void {
    this.wanted = output;
    this.held = false;
    this.apply();
  }

  /** Contactor command. */
  setContactor(closed: boolean, wasClosed: boolean): void {
    if (closed) {
      if (this.held) {
        this.held = false;
        this.apply();
      }
      return;
    }
    if (wasClosed && this.wanted.mode === "pwm") {
      this.held = true;
      this.applied = { mode: "standby" };
      this.link.request("FS", [], true).catch((err: unknown) => this.problem(`sleep on contactor open failed: ${errText(err)}`));
    }
  }

  relay(): boolean | undefined {
    return this.link.isUp ? this.relayClosed : undefined;
  }

  /** `$GV`: firmware and protocol version, for `evsed doctor`. */
  async version(): Promise<string> {
    const r = await this.link.request("GV");
    if (!r.ok) throw new Error(`${this.link.path}: $GV refused`);
    return r.params.join(" ");
  }

  private async open(): Promise<void> {
    await this.link.start();
    try {
      await this.configure();
    } catch (err) {
      this.starting = undefined;
      await this.link.stop();
      throw new Error(`${this.link.path}: RAPI controller does not answer: ${errText(err)}`);
    }
    this.scheduleHeartbeat();
  }

  /** After every (re)connect or reboot: heartbeat supervision, fresh state, output. */
  private async configure(): Promise<void> {
    this.forget();
    const sy = await this.link.request("SY", [this.opts.heartbeatIntervalS, this.opts.heartbeatFallbackA]);
    if (!sy.ok) this.problem("controller refused heartbeat supervision ($SY): firmware without HEARTBEAT_SUPERVISION?");
    await this.poll();
    this.apply();
  }

  private async poll(): Promise<void> {
    const r = await this.link.request("GS");
    const s = r.ok ? parseStatus(r.params, "GS") : undefined;
    if (s) this.onStatus(s);
    else this.problem(`unreadable $GS reply: ${r.ok ? "OK" : "NK"} ${r.params.join(" ")}`);
  }

  private scheduleHeartbeat(): void {
    this.heartbeat?.cancel();
    const every = Math.max(300, (this.opts.heartbeatIntervalS * 1000) / 3);
    this.heartbeat = this.opts.clock.setTimer(every, () => {
      this.beat().finally(() => {
        if (this.starting) this.scheduleHeartbeat();
      });
    });
  }

  private async beat(): Promise<void> {
    try {
      const pulse = await this.link.request("SY");
      if (!pulse.ok) {
        this.problem("controller reports a missed heartbeat; acknowledging");
        await this.link.request("SY", [HS_ACK_COOKIE]);
      }
      await this.poll();
      if (this.applied === undefined) this.apply();
    } catch (err) {
      this.opts.log.debug(`rapi heartbeat: ${errText(err)}`);
    }
  }

  private apply(): void {
    if (this.applying) {
      this.reapply = true;
      return;
    }
    if (!this.starting) return;
    this.applying = true;
    this.applyLoop()
      .catch((err: unknown) => {
        this.forget();
        this.problem(`applying pilot output failed: ${errText(err)}`);
      })
      .finally(() => {
        this.applying = false;
      });
  }

  private async applyLoop(): Promise<void> {
    do {
      this.reapply = false;
      const epoch = this.epoch;
      const want = this.effective();
      const have = this.applied;
      if (want.mode === "pwm") {
        if (have?.mode !== "pwm" || have.amps !== want.amps) {
          const sc = await this.link.request("SC", [want.amps, "V"]);
          if (!sc.ok) this.problem(`controller clamped $SC ${want.amps} to ${sc.params[0] ?? "?"} A`);
        }
        if (have?.mode !== "pwm") await this.expectOk("FE");
      } else if (want.mode === "standby" && have?.mode !== "standby") {
        await this.expectOk("FS");
      } else if (want.mode === "off" && have?.mode !== "off") {
        await this.expectOk("FD");
      }
      if (epoch === this.epoch) this.applied = want;
      else this.reapply = true;
    } while (this.reapply);
  }

  private async expectOk(code: string): Promise<void> {
    const r = await this.link.request(code);
    if (!r.ok) throw new Error(`$${code} refused`);
  }

  private effective(): Applied {
    const w = this.wanted;
    if (w.mode === "pwm") return this.held ? { mode: "standby" } : { mode: "pwm", amps: Math.max(0, Math.floor(w.currentA)) };
    return w;
  }

  private onNotification(code: string, params: readonly string[]): void {
    if (code === "AT") {
      const s = parseStatus(params, "AT");
      if (s) this.onStatus(s);
      else this.problem(`unreadable $AT: ${params.join(" ")}`);
    } else if (code === "AB") {
      const post = Number.parseInt(params[0] ?? "", 16);
      const fault = Number.isNaN(post) ? undefined : faultOfPostCode(post);
      this.opts.log.info(`rapi controller booted: ${params.join(" ")}`);
      if (fault) this.emitFault(fault.code, fault.detail);
      this.configure().catch((err: unknown) => this.problem(`reconfigure after boot failed: ${errText(err)}`));
    }
  }

  private onStatus(s: ControllerStatus): void {
    const state = pilotOf(s.evseState, s.pilotState);
    const diodeOk = s.evseState !== EvseState.DiodeCheckFailed;
    if (!this.pilot || this.pilot.state !== state || this.pilot.diodeOk !== diodeOk) {
      this.pilot = { state, diodeOk };
      this.pilotEvents.emit({ kind: "state", state, diodeOk });
    }
    const fault = faultOfState(s.evseState);
    if (fault && this.faultState !== s.evseState) this.emitFault(fault.code, fault.detail);
    this.faultState = fault ? s.evseState : undefined;
    const relay = (s.vflags & VFlag.ChargingOn) !== 0;
    if (this.relayClosed !== relay) {
      this.relayClosed = relay;
      this.feedbackEvents.emit(relay);
    }
    if (this.contradicts(s.evseState)) {
      this.forget();
      this.apply();
    }
  }

  private contradicts(evseState: number): boolean {
    const a = this.applied;
    if (!a || this.applying || faultOfState(evseState)) return false;
    if (a.mode === "pwm") return evseState === EvseState.Sleeping || evseState === EvseState.Disabled;
    if (a.mode === "standby") return evseState !== EvseState.Sleeping;
    return evseState !== EvseState.Disabled;
  }

  private emitFault(code: FaultCode, detail: string): void {
    this.pilotEvents.emit({ kind: "fault", code, detail: `${this.link.path}: ${detail}` });
  }

  private onLinkStatus(up: boolean, detail: string): void {
    this.pilotEvents.emit({ kind: "link", up, detail: `${this.link.path}: ${detail}` });
    if (!up) {
      this.pilot = undefined;
      this.forget();
      if (this.relayClosed !== undefined) this.relayClosed = undefined;
      return;
    }
    if (this.starting && this.heartbeat) {
      this.configure().catch((err: unknown) => this.problem(`reconfigure after reconnect failed: ${errText(err)}`));
    }
  }

  private forget(): void {
    this.applied = undefined;
    this.epoch++;
  }

  private problem(p: string): void {
    this.opts.log.warn(`rapi: ${p}`);
    this.problems.emit(p);
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
