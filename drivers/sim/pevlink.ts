import type { Clock, PevLink, PevLinkEvent, TimerHandle, Unsubscribe } from "../types.js";
import { Listeners } from "../listeners.js";
import type { SimLog, SimWorld } from "./world.js";

/** The vehicle identifies itself this long after plug-in (or after `start()` when already plugged), ms. */
export const PEV_CONNECT_DELAY_MS = 2000;
/** Interval of the vehicle's energy reports while connected, ms. */
export const PEV_ENERGY_INTERVAL_MS = 10_000;

/**
 * The simulated PEV link: `connected {pevId, energyRequestWh}` PEV_CONNECT_DELAY_MS after plug-in,
 * then `energy` every PEV_ENERGY_INTERVAL_MS with the vehicle's own count (whole Wh, a little below
 * the meter: charging losses), and `disconnected` at unplug (only after `connected`).
 */
export class SimPevLink implements PevLink {
  private readonly listeners: Listeners<PevLinkEvent>;
  private unsubscribe: Unsubscribe | undefined;
  private timer: TimerHandle | undefined;
  private connected = false;

  constructor(
    private readonly world: SimWorld,
    private readonly clock: Clock,
    log: SimLog = () => {},
  ) {
    this.listeners = new Listeners((err) => log("sim PEV link: listener failed", { error: String(err) }));
  }

  async start(): Promise<void> {
    if (this.unsubscribe) return;
    this.unsubscribe = this.world.subscribe((e) => {
      if (e.kind === "plugged") this.schedule(PEV_CONNECT_DELAY_MS, () => this.connect());
      if (e.kind === "unplugged") this.disconnect();
    });
    if (this.world.plugged) this.schedule(PEV_CONNECT_DELAY_MS, () => this.connect());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    this.connected = false;
  }

  on(listener: (event: PevLinkEvent) => void): Unsubscribe {
    return this.listeners.add(listener);
  }

  private schedule(delayMs: number, fn: () => void): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(delayMs, () => {
      this.timer = undefined;
      fn();
    });
  }

  private connect(): void {
    if (!this.world.plugged) return;
    this.connected = true;
    const energyRequestWh = this.world.energyRequestWh();
    const event: PevLinkEvent =
      energyRequestWh === undefined
        ? { kind: "connected", pevId: this.world.pevId }
        : { kind: "connected", pevId: this.world.pevId, energyRequestWh };
    this.listeners.emit(event);
    this.schedule(PEV_ENERGY_INTERVAL_MS, () => this.reportEnergy());
  }

  private reportEnergy(): void {
    if (!this.connected) return;
    this.listeners.emit({ kind: "energy", vehicleEnergyWh: Math.floor(this.world.vehicleEnergyWh()) });
    this.schedule(PEV_ENERGY_INTERVAL_MS, () => this.reportEnergy());
  }

  private disconnect(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.connected) return;
    this.connected = false;
    this.listeners.emit({ kind: "disconnected" });
  }
}
