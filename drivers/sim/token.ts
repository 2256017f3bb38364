import type { TokenEvent, TokenReader, Unsubscribe } from "../types.js";
import { Listeners } from "../listeners.js";
import type { SimLog, SimWorld } from "./world.js";

/** The simulated token reader: emits `{id, source: "sim"}` for each `token` action while started. */
export class SimTokenReader implements TokenReader {
  private readonly listeners: Listeners<TokenEvent>;
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly world: SimWorld,
    log: SimLog = () => {},
  ) {
    this.listeners = new Listeners((err) => log("sim token reader: listener failed", { error: String(err) }));
  }

  async start(): Promise<void> {
    this.unsubscribe ??= this.world.subscribe((e) => {
      if (e.kind === "token") this.listeners.emit({ id: e.id, source: "sim" });
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  on(listener: (token: TokenEvent) => void): Unsubscribe {
    return this.listeners.add(listener);
  }
}
