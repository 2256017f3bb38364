import { type AuthLimits, limitReached } from "../../core/authorization.js";

/**
 * Follows the open session's energy (import register minus the session's start register) and cost
 * (each reading's energy step at the price in force then), and says when a limit is reached.
 * Cost is in minor units of the tariff currency, as `costMinor` in the records.
 */
export class LimitWatch {
  private limits: AuthLimits = {};
  private lastWh: number | null = null;
  private costE7 = 0;
  private fired = false;

  constructor(private readonly priceE4At: (ms: number) => number | null) {}

  /** Watch `limits` for the session now starting (or continuing, keeping what was counted). */
  arm(limits: AuthLimits, keepCount = false): void {
    this.limits = limits;
    this.fired = false;
    if (!keepCount) {
      this.lastWh = null;
      this.costE7 = 0;
    }
  }

  disarm(): void {
    this.limits = {};
    this.lastWh = null;
    this.costE7 = 0;
  }

  current(): AuthLimits {
    return this.limits;
  }

  /** Feed a reading; returns the reached limit once (then stays quiet until re-armed). */
  onReading(atMs: number, importWh: number, startRegisterWh: number | null): "EnergyLimitReached" | "CostLimitReached" | null {
    if (this.fired || startRegisterWh === null) return null;
    if (this.limits.maxEnergyWh === undefined && this.limits.maxCost === undefined) return null;
    const price = this.priceE4At(atMs);
    const prev = this.lastWh ?? startRegisterWh;
    if (importWh > prev && price !== null) this.costE7 += (importWh - prev) * price;
    this.lastWh = Math.max(prev, importWh);
    const energy = Math.max(0, importWh - startRegisterWh);
    const reached = limitReached(this.limits, energy, price === null ? null : this.costE7 / 1e7);
    if (reached) this.fired = true;
    return reached;
  }
}
