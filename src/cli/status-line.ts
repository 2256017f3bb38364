import type { Clock } from "../../drivers/types.js";
import type { Station } from "../app/station.js";
import { isoSeconds } from "../core/time.js";

/**
 * The live one-line status of `evsed sim` in a terminal, redrawn every real second:
 * time · status · pilot · offer · contactor · power · session energy.
 */
export class StatusLine {
  private timer: NodeJS.Timeout | null = null;
  private powerW = 0;

  constructor(
    private readonly station: Station,
    private readonly clock: Clock,
    private readonly out: NodeJS.WriteStream,
  ) {}

  start(): void {
    this.station.bus.on("meter", ({ reading }) => {
      this.powerW = reading.powerW;
    });
    this.timer = setInterval(() => this.draw(), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.out.write("\n");
  }

  private draw(): void {
    const s = this.station.controller.snapshot();
    const session = this.station.sessions.current();
    const register = this.station.meter?.latest()?.reading.importWh;
    const energyWh =
      session && session.startRegisterWh !== null && register !== undefined ? register - session.startRegisterWh : (session?.energyWh ?? 0);
    const parts = [
      isoSeconds(this.clock.now()).slice(11, 19),
      s.status.padEnd(13),
      `pilot ${s.pilot ?? "?"}`,
      `offer ${String(s.offeredA).padStart(2)} A`,
      `contactor ${s.contactorClosed ? "closed" : "open  "}`,
      `${(this.powerW / 1000).toFixed(1).padStart(5)} kW`,
      session ? `session ${session.id.slice(0, 8)} ${(energyWh / 1000).toFixed(2)} kWh` : "no session",
      s.faults.length ? `faults ${s.faults.join(",")}` : "",
    ];
    this.out.write(`\r\x1b[K${parts.filter(Boolean).join("  ")}`);
  }
}
