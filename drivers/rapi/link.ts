import { ReadlineParser } from "@serialport/parser-readline";
import type { SerialPortStream } from "@serialport/stream";
import { Listeners } from "../listeners.js";
import { closeSerialLine, openSerialLine, type SerialBinding } from "../serial.js";
import type { Clock, TimerHandle } from "../types.js";
import { encodeFrame, parseFrame } from "./frame.js";

/** A reply that did not arrive within the reply timeout. */
export class RapiTimeoutError extends Error {
  constructor(path: string, code: string, ms: number) {
    super(`${path}: no reply to $${code} within ${ms} ms`);
    this.name = "RapiTimeoutError";
  }
}

/** The request was dropped because the port closed or the link was stopped. */
export class RapiLinkDownError extends Error {
  constructor(path: string, code: string, why: string) {
    super(`${path}: $${code} not answered: ${why}`);
    this.name = "RapiLinkDownError";
  }
}

export interface RapiReply {
  readonly ok: boolean;
  readonly params: readonly string[];
}

export interface RapiLinkOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly clock: Clock;
  readonly replyTimeoutMs: number;
  readonly binding?: SerialBinding;
  /** First and longest delay between reopen attempts after the port disappeared. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Consecutive unanswered requests after which the controller counts as unreachable. */
  readonly maxTimeouts?: number;
}

interface Pending {
  readonly code: string;
  readonly params: readonly (string | number)[];
  readonly resolve: (reply: RapiReply) => void;
  readonly reject: (err: Error) => void;
}

/** Longest line a controller sends (its buffer is 32–40 bytes); longer lines are noise. */
const MAX_LINE = 120;

/**
 * One serial line to an OpenEVSE controller. Contract:
 * - requests are serialized: one in flight, each with its own sequence id (01–FF, never 00); a reply
 *   is matched by sequence id (a reply without one matches the request in flight); stale or
 *   unsolicited replies are reported as problems and dropped;
 * - every frame that fails to parse (checksum, noise, overlong) is one `problems` event, never a crash;
 * - `notifications` carries asynchronous frames (`$AT`, `$AB`, …);
 * - `status` reports `up` false when the port closes or `maxTimeouts` requests in a row time out,
 *   true when the port reopens and answers again. A closed port is reopened with backoff until `stop`.
 */
export class RapiLink {
  readonly notifications = new Listeners<{ code: string; params: readonly string[] }>();
  readonly problems = new Listeners<string>();
  readonly status = new Listeners<{ up: boolean; detail: string }>();

  private port: SerialPortStream | undefined;
  private readonly queue: Pending[] = [];
  private inFlight: { req: Pending; seq: number; timer: TimerHandle } | undefined;
  private seq = 0;
  private running = false;
  private up = false;
  private timeouts = 0;
  private reconnectTimer: TimerHandle | undefined;
  private reconnectDelay: number;

  constructor(private readonly opts: RapiLinkOptions) {
    this.reconnectDelay = opts.reconnectMinMs ?? 500;
  }

  get path(): string {
    return this.opts.path;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Open the port; rejects with an error naming the device when it cannot be opened. */
  async start(): Promise<void> {
    this.running = true;
    await this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reconnectTimer?.cancel();
    this.failAll("link stopped");
    const port = this.port;
    this.port = undefined;
    if (port) await closeSerialLine(port);
  }

  /**
   * Send `$code params…` and resolve with the reply (`ok` false for `$NK`). Rejects with
   * RapiTimeoutError or RapiLinkDownError; `urgent` requests go to the front of the queue.
   */
  request(code: string, params: readonly (string | number)[] = [], urgent = false): Promise<RapiReply> {
    return new Promise((resolve, reject) => {
      if (!this.running || !this.port) {
        reject(new RapiLinkDownError(this.opts.path, code, "port not open"));
        return;
      }
      const p = { code, params, resolve, reject };
      if (urgent) this.queue.unshift(p);
      else this.queue.push(p);
      this.pump();
    });
  }

  private async open(): Promise<void> {
    const port = await openSerialLine({ path: this.opts.path, baudRate: this.opts.baudRate, binding: this.opts.binding });
    if (!this.running) {
      await closeSerialLine(port);
      return;
    }
    this.port = port;
    const parser = port.pipe(new ReadlineParser({ delimiter: "\r", encoding: "latin1" }));
    parser.on("data", (line: string) => this.onLine(line));
    port.on("error", (err: Error) => this.problems.emit(`${this.opts.path}: ${err.message}`));
    port.on("close", () => this.onClose(port));
    this.reconnectDelay = this.opts.reconnectMinMs ?? 500;
    this.timeouts = 0;
    this.setUp(true, "port open");
    this.pump();
  }

  private onClose(port: SerialPortStream): void {
    if (this.port !== port) return;
    this.port = undefined;
    this.failAll("port closed");
    this.setUp(false, `${this.opts.path} closed (unplugged?)`);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    this.reconnectTimer?.cancel();
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.opts.reconnectMaxMs ?? 10_000);
    this.reconnectTimer = this.opts.clock.setTimer(delay, () => {
      this.open().catch((err: unknown) => {
        this.problems.emit(err instanceof Error ? err.message : String(err));
        this.scheduleReconnect();
      });
    });
  }

  private pump(): void {
    if (this.inFlight || !this.port) return;
    const req = this.queue.shift();
    if (!req) return;
    this.seq = this.seq >= 0xff ? 1 : this.seq + 1;
    const seq = this.seq;
    const timer = this.opts.clock.setTimer(this.opts.replyTimeoutMs, () => this.onTimeout(seq));
    this.inFlight = { req, seq, timer };
    this.port.write(encodeFrame(req.code, req.params, seq), "latin1");
  }

  private onTimeout(seq: number): void {
    const f = this.inFlight;
    if (!f || f.seq !== seq) return;
    this.inFlight = undefined;
    f.req.reject(new RapiTimeoutError(this.opts.path, f.req.code, this.opts.replyTimeoutMs));
    this.timeouts++;
    if (this.timeouts >= (this.opts.maxTimeouts ?? 3)) this.setUp(false, `no reply to ${this.timeouts} requests in a row`);
    this.pump();
  }

  private onLine(line: string): void {
    if (line.length === 0) return;
    if (line.length > MAX_LINE) {
      this.problems.emit(`${this.opts.path}: discarded ${line.length}-byte line (noise)`);
      return;
    }
    let msg: ReturnType<typeof parseFrame>;
    try {
      msg = parseFrame(line);
    } catch (err) {
      this.problems.emit(`${this.opts.path}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (msg.kind === "command") {
      this.notifications.emit({ code: msg.code, params: msg.params });
      return;
    }
    const f = this.inFlight;
    if (!f) {
      this.problems.emit(`${this.opts.path}: unsolicited reply dropped: ${line}`);
      return;
    }
    if (msg.seq !== undefined && msg.seq !== f.seq) {
      this.problems.emit(`${this.opts.path}: stale reply (sequence ${msg.seq}, expected ${f.seq}) dropped`);
      return;
    }
    f.timer.cancel();
    this.inFlight = undefined;
    this.timeouts = 0;
    if (this.port) this.setUp(true, "controller answers");
    f.req.resolve({ ok: msg.ok, params: msg.params });
    this.pump();
  }

  private failAll(why: string): void {
    const all = this.inFlight ? [this.inFlight.req, ...this.queue] : [...this.queue];
    this.inFlight?.timer.cancel();
    this.inFlight = undefined;
    this.queue.length = 0;
    for (const p of all) p.reject(new RapiLinkDownError(this.opts.path, p.code, why));
  }

  private setUp(up: boolean, detail: string): void {
    if (this.up === up) return;
    this.up = up;
    this.status.emit({ up, detail });
  }
}
