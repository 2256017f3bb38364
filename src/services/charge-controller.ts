import type { Clock, Contactor, FaultCode, Pilot, TimerHandle } from "../../drivers/types.js";
import type { Bus, ChargeSnapshot } from "../app/bus.js";
import type { StationControl } from "../app/control.js";
import type { Logger } from "../app/log.js";
import { connectorStatus } from "../core/connector-status.js";
import { type CoreConfig, type CoreEvent, type CoreState, initialState, step } from "../core/iec61851.js";
import type { StopReason } from "../core/status.js";

/**
 * Drives the pilot and the contactor from the pure state machine. This is the safety path: a driver
 * event goes through `step` and the resulting commands reach the hardware synchronously, before any
 * observer (store, uplink) hears of it. Nothing here awaits disk or network.
 */
export class ChargeController implements StationControl {
  private state: CoreState;
  private readonly limits = new Map<string, number>();
  private wake: TimerHandle | null = null;
  private wakeAt: number | null = null;
  private last: ChargeSnapshot | null = null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly deps: {
      readonly config: CoreConfig;
      readonly defaultCurrentA: number;
      readonly pilot?: Pilot;
      readonly contactor?: Contactor;
      readonly clock: Clock;
      readonly bus: Bus;
      readonly log: Logger;
    },
  ) {
    this.state = initialState(Math.min(deps.defaultCurrentA, deps.config.maxCurrentA));
  }

  /** Opens the contactor (fail safe at boot) and starts listening to the pilot. */
  start(): void {
    this.deps.contactor?.set(false);
    this.deps.pilot?.setOutput(this.state.output);
    if (this.deps.pilot) {
      this.unsubscribe.push(
        this.deps.pilot.on((e) => {
          if (e.kind === "state") this.dispatch({ type: "pilot", state: e.state, diodeOk: e.diodeOk });
          else if (e.kind === "fault") this.raiseFault(e.code, e.detail);
          else if (!e.up) this.dispatch({ type: "pilotLost" });
        }),
      );
    }
    this.publish(true);
  }

  /** Fail safe on the way out: contactor open, nothing offered. */
  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.wake?.cancel();
    this.wake = null;
    this.deps.contactor?.set(false);
    this.deps.pilot?.setOutput({ mode: "standby" });
  }

  snapshot(): ChargeSnapshot {
    return this.last ?? this.makeSnapshot();
  }

  core(): CoreState {
    return this.state;
  }

  authorize(tokenId: string | null, source: "rfid" | "remote" | "pev" | "free" | "recovery"): void {
    this.dispatch({ type: "authorize", authorization: { tokenId, source } });
  }

  stopCharging(reason: StopReason): void {
    this.dispatch({ type: "deauthorize", reason });
  }

  setLimit(source: string, amps: number | null): void {
    if (amps === null) this.limits.delete(source);
    else this.limits.set(source, amps);
    const composed = Math.min(this.deps.defaultCurrentA, this.deps.config.maxCurrentA, ...this.limits.values());
    this.dispatch({ type: "limit", amps: composed });
  }

  setAvailability(available: boolean): void {
    this.dispatch({ type: "availability", available });
  }

  clearFaults(): void {
    const had = this.state.faults;
    this.dispatch({ type: "clearFaults" });
    for (const code of had) this.deps.bus.emit("fault", { code, raised: false, detail: "cleared" });
  }

  /** Latch a fault (from a driver or the supervisor); the contactor opens in the same call. */
  raiseFault(code: FaultCode, detail: string): void {
    const fresh = !this.state.faults.includes(code);
    this.dispatch({ type: "fault", code });
    if (fresh) {
      this.deps.log.error({ fault: code, detail }, "fault latched");
      this.deps.bus.emit("fault", { code, raised: true, detail });
    }
  }

  private dispatch(event: CoreEvent): void {
    const before = this.state;
    const result = step(this.deps.config, before, event, this.deps.clock.monotonic());
    this.state = result.state;
    for (const cmd of result.commands) {
      if (cmd.type === "contactor") this.deps.contactor?.set(cmd.closed);
      else this.deps.pilot?.setOutput(cmd.output);
    }
    // Logged only after every command has reached the hardware.
    for (const cmd of result.commands) {
      if (cmd.type === "contactor")
        this.deps.log.info({ pilot: result.state.pilot, event: event.type }, cmd.closed ? "contactor closed" : "contactor opened");
      else this.deps.log.debug({ output: cmd.output }, "pilot output");
    }
    for (const code of result.state.faults) {
      if (!before.faults.includes(code) && event.type === "pilot") {
        this.deps.log.error({ fault: code, pilot: event.state }, "fault latched");
        this.deps.bus.emit("fault", { code, raised: true, detail: `pilot ${event.state}${event.diodeOk ? "" : ", diode check failed"}` });
      }
    }
    this.schedule(result.wakeAt);
    this.publish(false);
  }

  private schedule(at: number | null): void {
    if (at === this.wakeAt) return;
    this.wake?.cancel();
    this.wake = null;
    this.wakeAt = at;
    if (at === null) return;
    this.wake = this.deps.clock.setTimer(at - this.deps.clock.monotonic(), () => {
      this.wake = null;
      this.wakeAt = null;
      this.dispatch({ type: "tick" });
    });
  }

  private makeSnapshot(): ChargeSnapshot {
    const s = this.state;
    return {
      at: this.deps.clock.now(),
      status: connectorStatus(s),
      pilot: s.pilot,
      offeredA: s.output.mode === "pwm" ? s.output.currentA : 0,
      dutyPct: s.output.mode === "pwm" ? s.output.dutyPct : s.output.mode === "standby" ? 100 : 0,
      contactorClosed: s.contactorClosed,
      authorized: s.authorization !== null,
      tokenId: s.authorization?.tokenId ?? null,
      authorizationSource: s.authorization?.source ?? null,
      stopReason: s.stopReason,
      available: s.available,
      faults: s.faults,
      vehiclePresent: s.plugged,
    };
  }

  /** Emit a snapshot when anything an observer can see changed. */
  private publish(force: boolean): void {
    const next = this.makeSnapshot();
    const prev = this.last;
    if (!force && prev && sameSnapshot(prev, next)) return;
    this.last = next;
    this.deps.bus.emit("charge", next);
  }
}

function sameSnapshot(a: ChargeSnapshot, b: ChargeSnapshot): boolean {
  return (
    a.status === b.status &&
    a.pilot === b.pilot &&
    a.offeredA === b.offeredA &&
    a.contactorClosed === b.contactorClosed &&
    a.authorized === b.authorized &&
    a.tokenId === b.tokenId &&
    a.stopReason === b.stopReason &&
    a.available === b.available &&
    a.faults.length === b.faults.length &&
    a.faults.every((f, i) => b.faults[i] === f)
  );
}
