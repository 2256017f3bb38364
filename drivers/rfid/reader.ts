import type { SerialPortStream } from "@serialport/stream";
import type { DriverLog } from "../driver-log.js";
import { Listeners } from "../listeners.js";
import { closeSerialLine, openSerialLine, type SerialBinding } from "../serial.js";
import type { Clock, TimerHandle, TokenEvent, TokenReader, Unsubscribe } from "../types.js";
import type { TokenDecoder } from "./decoders.js";

export interface SerialTokenReaderOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly decoder: () => TokenDecoder;
  readonly debounceMs: number;
  readonly clock: Clock;
  readonly log: DriverLog;
  readonly binding?: SerialBinding;
}

/**
 * A token reader on a serial line. Contract: each decoded id is one `on` event unless the same id
 * was seen less than `debounceMs` ago (a card held on the reader repeats its frame; each repeat
 * extends the quiet period); each bad frame is one `onProblem` event; a closed line is reopened
 * every few seconds until `stop`.
 */
export class SerialTokenReader implements TokenReader {
  private readonly tokens: Listeners<TokenEvent>;
  private readonly problems: Listeners<string>;
  private readonly lastSeen = new Map<string, number>();
  private port: SerialPortStream | undefined;
  private running = false;
  private reopen: TimerHandle | undefined;

  constructor(private readonly opts: SerialTokenReaderOptions) {
    const onError = (err: unknown) => opts.log.warn(`token listener failed: ${String(err)}`);
    this.tokens = new Listeners(onError);
    this.problems = new Listeners(onError);
  }

  on(listener: (token: TokenEvent) => void): Unsubscribe {
    return this.tokens.add(listener);
  }

  onProblem(listener: (problem: string) => void): Unsubscribe {
    return this.problems.add(listener);
  }

  async start(): Promise<void> {
    this.running = true;
    await this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reopen?.cancel();
    const port = this.port;
    this.port = undefined;
    if (port) await closeSerialLine(port);
  }

  private async open(): Promise<void> {
    const port = await openSerialLine({ path: this.opts.path, baudRate: this.opts.baudRate, binding: this.opts.binding });
    if (!this.running) return closeSerialLine(port);
    this.port = port;
    const decoder = this.opts.decoder();
    port.on("data", (chunk: Buffer) => {
      for (const out of decoder.feed(chunk)) {
        if (out.kind === "id") this.seen(out.id);
        else this.problem(`${this.opts.path}: ${out.problem}`);
      }
    });
    port.on("error", (err: Error) => this.problem(`${this.opts.path}: ${err.message}`));
    port.on("close", () => {
      if (this.port !== port) return;
      this.port = undefined;
      this.problem(`${this.opts.path}: closed (unplugged?); reopening`);
      this.scheduleReopen();
    });
  }

  private scheduleReopen(): void {
    if (!this.running) return;
    this.reopen = this.opts.clock.setTimer(2000, () => {
      this.open().catch(() => this.scheduleReopen());
    });
  }

  private seen(id: string): void {
    const now = this.opts.clock.monotonic();
    const last = this.lastSeen.get(id);
    this.lastSeen.set(id, now);
    for (const [other, at] of this.lastSeen) if (now - at > this.opts.debounceMs) this.lastSeen.delete(other);
    if (last !== undefined && now - last < this.opts.debounceMs) return;
    this.tokens.emit({ id, source: "rfid" });
  }

  private problem(p: string): void {
    this.opts.log.warn(p);
    this.problems.emit(p);
  }
}
