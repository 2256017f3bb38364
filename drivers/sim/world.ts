import { performance } from "node:perf_hooks";
import type { Clock, MeterReading, PilotOutput, PilotState, TimerHandle, Unsubscribe } from "../types.js";
import type { SimAction } from "./actions.js";
import { type ActionNews, applyAction } from "./apply-action.js";
import { Listeners } from "../listeners.js";
import { CHARGING_EFFICIENCY, lagStep, measurePilot, PHYSICS_TICK_MS, phaseVoltages, round } from "./physics.js";
import { S2Switch } from "./vehicle.js";
import {
  initialWorldState,
  readWorldFile,
  type ScenarioCursor,
  type SimVehicleConfig,
  WorldFileWriter,
  type WorldState,
} from "./world-state.js";

/** Structured log sink: a message and optional fields. */
export type SimLog = (msg: string, data?: object) => void;

export interface SimWorldOptions {
  readonly clock: Clock;
  readonly vehicle: SimVehicleConfig;
  readonly nominalVoltageV: number;
  /** Phases of the supply and the meter (the board's); the vehicle uses min(its own, these). Default 3. */
  readonly phases?: 1 | 3;
  /** Where the state survives restarts; none = in memory only. */
  readonly worldFile?: string;
  readonly log?: SimLog;
  /** Real (unscaled) time in ms, for throttling file writes; default `performance.now`. */
  readonly realNow?: () => number;
}

/**
 * What the drivers hear from the world. `changed` follows every discrete change (drivers compare
 * with what they last reported); the others carry news that is not part of the state.
 */
export type WorldEvent = { readonly kind: "changed" } | ActionNews;

/**
 * The physical model behind the simulated drivers: vehicle, pilot line, contactor and meter,
 * deterministic given the clock.
 *
 * Contracts:
 * - Events are emitted synchronously from `act()` and from clock timers, never from `setPilotOutput`
 *   or `setContactor` (those defer their consequences with a 0 ms timer), so safety code is never
 *   re-entered.
 * - Energy integrates the drawn power exactly between discrete changes and physics ticks
 *   (PHYSICS_TICK_MS); every read first integrates up to now.
 * - With a world file, every discrete change is written before it is announced, a meter reading is
 *   written before it is returned when its register moved (a register once seen never goes back after
 *   a crash), and the slowly changing rest (battery, wall time) at most once per real second.
 */
export class SimWorld {
  private readonly clock: Clock;
  private readonly vehicle: SimVehicleConfig;
  private readonly nominalV: number;
  private readonly supplyPhases: number;
  private readonly log: SimLog;
  private readonly writer: WorldFileWriter | undefined;
  private readonly state: WorldState;
  private readonly listeners: Listeners<WorldEvent>;
  private readonly s2: S2Switch;
  /** The scenario cursor read from the world file at construction, if any. */
  readonly savedScenario: ScenarioCursor | undefined;
  private scenarioProbe: (() => ScenarioCursor) | undefined;
  private output: PilotOutput = { mode: "standby" };
  private lastPwmA = 0;
  private commanded = false;
  private drawnA = 0;
  private lastMono: number;
  private tickCount = 0;
  private tickTimer: TimerHandle | undefined;
  private settleTimer: TimerHandle | undefined;
  /** A change the file must get before the next announcement (the contacts welded shut). */
  private dirty = false;

  constructor(opts: SimWorldOptions) {
    this.clock = opts.clock;
    this.vehicle = opts.vehicle;
    this.nominalV = opts.nominalVoltageV;
    this.supplyPhases = opts.phases ?? 3;
    const log = opts.log ?? (() => {});
    this.log = log;
    this.listeners = new Listeners((err) => log("sim: listener failed", { error: String(err) }));
    this.s2 = new S2Switch(this.clock, (closed) => {
      this.integrate();
      this.s2.set(closed);
      this.updateVehicle();
      this.listeners.emit({ kind: "changed" });
    });
    const loaded = opts.worldFile ? readWorldFile(opts.worldFile) : undefined;
    if (opts.worldFile) this.writer = new WorldFileWriter(opts.worldFile, opts.realNow ?? (() => performance.now()), log);
    if (loaded) log("sim: world restored", { file: opts.worldFile, plugged: loaded.plugged, importWh: Math.floor(loaded.importWh) });
    this.state = loaded ?? initialWorldState(opts.vehicle, this.clock.now());
    this.savedScenario = this.state.scenario;
    this.lastMono = this.clock.monotonic();
  }

  /** Start the physics tick and write the world file. Idempotent. */
  start(): void {
    if (this.tickTimer) return;
    this.tickTimer = this.clock.setTimer(PHYSICS_TICK_MS, this.tick);
    this.save();
  }

  /** Stop every timer and flush the world file. The state stays readable. */
  stop(): void {
    this.tickTimer?.cancel();
    this.settleTimer?.cancel();
    this.s2.cancel();
    this.tickTimer = undefined;
    this.settleTimer = undefined;
    this.save();
  }

  subscribe(listener: (event: WorldEvent) => void): Unsubscribe {
    return this.listeners.add(listener);
  }

  /** Apply one action, write the state, then announce it (synchronously). */
  act(action: SimAction): void {
    this.integrate();
    const news = applyAction(this.state, action, this.contactorClosed);
    this.log(`sim: ${action.action}`, action);
    this.updateVehicle();
    this.save();
    for (const e of news) this.listeners.emit(e);
    this.listeners.emit({ kind: "changed" });
  }

  /** The EVSE's pilot output. Consequences (the vehicle's reaction, events) follow on a 0 ms timer. */
  setPilotOutput(output: PilotOutput): void {
    this.integrate();
    this.output = output;
    if (output.mode === "pwm") this.lastPwmA = output.currentA;
    this.deferSettle();
  }

  /** The contactor command: takes effect at once (current stops); the feedback event is deferred. */
  setContactor(closed: boolean): void {
    this.integrate();
    this.commanded = closed;
    if (closed && this.state.weld && !this.state.weldedClosed) {
      this.state.weldedClosed = true;
      this.dirty = true;
    }
    this.deferSettle();
  }

  get contactorCommanded(): boolean {
    return this.commanded;
  }

  /** The physical contact position: as commanded, unless welded shut. */
  get contactorClosed(): boolean {
    return this.commanded || (this.state.weld && this.state.weldedClosed);
  }

  /** What the pilot sampler measures now. */
  get pilot(): { state: PilotState; diodeOk: boolean } {
    const s = this.state;
    return measurePilot({
      output: this.output,
      plugged: s.plugged,
      short: s.short,
      s2Closed: this.s2.closed,
      ventilation: s.ventilation,
      diodeFault: s.diodeFault,
    });
  }

  get plugged(): boolean {
    return this.state.plugged;
  }

  get intent(): "charge" | "pause" | "ventilation" {
    if (this.state.paused) return "pause";
    return this.state.ventilation ? "ventilation" : "charge";
  }

  get socPct(): number {
    this.integrate();
    return this.state.socPct;
  }

  get meterOffline(): boolean {
    return this.state.meterOffline;
  }

  get pevId(): string {
    return this.vehicle.pevId;
  }

  /** Energy the vehicle asks for (to a full battery), Wh; undefined when full. */
  energyRequestWh(): number | undefined {
    const wh = Math.round((this.vehicle.batteryWh * (100 - this.socPct)) / 100);
    return wh > 0 ? wh : undefined;
  }

  /** The vehicle's own count of energy received since plug-in, Wh (fractional, after losses). */
  vehicleEnergyWh(): number {
    this.integrate();
    return this.state.vehicleEnergyWh;
  }

  /** Current drawn on each of the vehicle's phases now, A. */
  drawnCurrentA(): number {
    this.integrate();
    return this.drawnA;
  }

  /**
   * One meter reading (import register floored to whole Wh); written to the world file first when the
   * register moved since the last write. Ignores `meterOffline`: the meter driver checks it.
   */
  meterReading(): MeterReading {
    this.integrate();
    const volts = phaseVoltages(this.nominalV, this.supplyPhases, this.tickCount);
    const amps = volts.map((_, i) => (i < this.vehiclePhases ? this.drawnA : 0));
    const powerW = volts.reduce((sum, v, i) => sum + v * (amps[i] ?? 0), 0);
    const importWh = Math.floor(this.state.importWh);
    if (this.writer && importWh !== this.writer.writtenRegisterWh) this.save();
    return {
      importWh,
      exportWh: 0,
      powerW: round(powerW, 1),
      voltageV: volts.map((v) => round(v, 1)),
      currentA: amps.map((a) => round(a, 2)),
      frequencyHz: 50,
    };
  }

  /** A copy of the state as it would be written now. */
  snapshot(): WorldState {
    this.integrate();
    const scenario = this.scenarioProbe ? this.scenarioProbe() : this.state.scenario;
    const copy: WorldState = { ...this.state, wallMs: Math.max(this.state.wallMs, this.clock.now()) };
    if (scenario) copy.scenario = { ...scenario };
    return copy;
  }

  /**
   * Save a scenario runner's position with the world: `probe` is asked at every write. Returns the
   * detach function, which keeps the last position in the state.
   */
  attachScenario(probe: () => ScenarioCursor): Unsubscribe {
    this.scenarioProbe = probe;
    return () => {
      if (this.scenarioProbe !== probe) return;
      this.state.scenario = probe();
      this.scenarioProbe = undefined;
    };
  }

  /** Write the world file now (no-op without one). A failed write is logged, never thrown. */
  save(): void {
    if (!this.writer) return;
    const snap = this.snapshot();
    if (this.writer.write(snap)) {
      this.state.wallMs = snap.wallMs;
      this.dirty = false;
    }
  }

  private get vehiclePhases(): number {
    return Math.min(this.vehicle.phases, this.supplyPhases);
  }

  private get flowing(): boolean {
    return this.contactorClosed && this.state.plugged && this.s2.closed;
  }

  /** The current the vehicle heads for: min(offer, its maximum); a stubborn one keeps the last offer. */
  private targetA(): number {
    if (!this.flowing || this.state.socPct >= 100) return 0;
    const offered = this.output.mode === "pwm" && !this.state.short ? this.output.currentA : this.state.stubborn ? this.lastPwmA : 0;
    return Math.max(0, Math.min(offered, this.state.maxCurrentA));
  }

  /** Integrate drawn current, meter register and battery from the last integration up to now. */
  private integrate(): void {
    const now = this.clock.monotonic();
    const dt = now - this.lastMono;
    this.lastMono = now;
    if (!this.flowing) {
      this.drawnA = 0;
      return;
    }
    if (dt <= 0) return;
    const { endA, ampSeconds } = lagStep(this.drawnA, this.targetA(), this.vehicle.responseMs, dt);
    const volts = phaseVoltages(this.nominalV, this.supplyPhases, this.tickCount).slice(0, this.vehiclePhases);
    const wh = (volts.reduce((a, b) => a + b, 0) * ampSeconds) / 3600;
    const s = this.state;
    s.importWh += wh;
    s.vehicleEnergyWh += wh * CHARGING_EFFICIENCY;
    s.socPct = Math.min(100, s.socPct + (wh * CHARGING_EFFICIENCY * 100) / this.vehicle.batteryWh);
    this.drawnA = endA;
  }

  /** Let the vehicle's S2 switch react to the current inputs. Call after integrating. */
  private updateVehicle(): void {
    const s = this.state;
    this.s2.update({
      wants: s.plugged && !s.paused && s.socPct < 100,
      pwmSeen: this.output.mode === "pwm" && !s.short,
      stubborn: s.stubborn,
    });
  }

  private deferSettle(): void {
    if (this.settleTimer) return;
    this.settleTimer = this.clock.setTimer(0, () => {
      this.settleTimer = undefined;
      this.integrate();
      this.updateVehicle();
      if (this.dirty) this.save();
      this.listeners.emit({ kind: "changed" });
    });
  }

  private readonly tick = (): void => {
    this.integrate();
    this.tickCount++;
    this.tickTimer = this.clock.setTimer(PHYSICS_TICK_MS, this.tick);
    const wasClosed = this.s2.closed;
    this.updateVehicle();
    if (this.s2.closed !== wasClosed) {
      this.save();
      this.listeners.emit({ kind: "changed" });
    } else if (this.writer?.due()) {
      this.save();
    }
  };
}
