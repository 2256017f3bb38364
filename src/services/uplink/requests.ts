import { randomUUID } from "node:crypto";
import type { Clock, TimerHandle } from "../../../drivers/types.js";

/** Why a request got no answer. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly reason: "offline" | "timeout" | "stopped",
  ) {
    super(message);
    this.name = "RequestFailed";
  }
}

/** Ask the backend on `req/<name>` and get the matching `res/<name>` answer. */
export interface RequestClient {
  /**
   * Publishes `{reqId, ...payload}` on `req/<name>` (QoS 1) and resolves with the first JSON object on
   * `res/<name>` carrying the same `reqId`. Rejects with `RequestFailed` at once when offline, after
   * `timeoutMs` without an answer, or when the uplink stops. Callers fall back (e.g. to the local
   * authorization list); a late answer is dropped.
   */
  request(name: string, payload: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>>;
}

interface Pending {
  readonly name: string;
  readonly timer: TimerHandle;
  resolve(answer: Record<string, unknown>): void;
  reject(err: Error): void;
}

/** The RequestClient over the uplink connection; `answer` is fed every `res/<name>` message. */
export class MqttRequests implements RequestClient {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly deps: {
      clock: Clock;
      publish(suffix: string, payload: string): Promise<void>;
      isUp(): boolean;
      newId?: () => string;
    },
  ) {}

  request(name: string, payload: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) return Promise.reject(new Error(`request name '${name}' is not a valid topic level`));
    if (!this.deps.isUp()) return Promise.reject(new RequestFailed(`req/${name}: offline`, "offline"));
    const reqId = (this.deps.newId ?? randomUUID)();
    return new Promise((resolve, reject) => {
      const timer = this.deps.clock.setTimer(timeoutMs, () => {
        this.pending.delete(reqId);
        reject(new RequestFailed(`req/${name}: no answer within ${timeoutMs} ms`, "timeout"));
      });
      this.pending.set(reqId, { name, timer, resolve, reject });
      this.deps.publish(`req/${name}`, JSON.stringify({ ...payload, reqId })).catch(() => {
        // A failed publish stays pending: the timeout answers it.
      });
    });
  }

  /** A message on `res/<name>`; ignored unless it is a JSON object answering a pending request. */
  answer(name: string, payload: Buffer): void {
    let body: unknown;
    try {
      body = JSON.parse(payload.toString("utf8"));
    } catch {
      return;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return;
    const reqId = (body as { reqId?: unknown }).reqId;
    if (typeof reqId !== "string") return;
    const p = this.pending.get(reqId);
    if (!p || p.name !== name) return;
    this.pending.delete(reqId);
    p.timer.cancel();
    p.resolve(body as Record<string, unknown>);
  }

  /** Fail everything pending (uplink stopping). */
  close(): void {
    for (const [id, p] of this.pending) {
      p.timer.cancel();
      p.reject(new RequestFailed(`req/${p.name}: uplink stopped`, "stopped"));
      this.pending.delete(id);
    }
  }
}
