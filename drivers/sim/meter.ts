import type { Meter, MeterReading } from "../types.js";
import type { SimWorld } from "./world.js";

/**
 * The simulated end-use meter: import register (whole Wh) advancing with the power really drawn,
 * no export, per-phase voltage and current. While the world's `meterOffline` switch is on, `read()`
 * rejects with an Error naming the meter, like a Modbus timeout.
 */
export class SimMeter implements Meter {
  constructor(
    private readonly world: SimWorld,
    readonly name = "sim meter",
  ) {}

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async read(): Promise<MeterReading> {
    if (this.world.meterOffline) throw new Error(`${this.name}: no reply (meter offline)`);
    return this.world.meterReading();
  }
}
