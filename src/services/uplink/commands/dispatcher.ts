import type { Clock } from "../../../../drivers/types.js";
import type { Logger } from "../../../app/log.js";
import { InputError } from "../../../config/validate.js";
import { isoSeconds } from "../topics.js";
import { type CommandRegistry, CommandRejected, type RejectionCode } from "./registry.js";
import type { SeenCommands } from "./seen.js";

/** The largest command payload accepted, checked before anything is parsed. */
export const MAX_COMMAND_BYTES = 64 * 1024;

/** The answer on `cmd/<name>/result` (docs/schemas/command-result.schema.json). */
export interface CommandResult {
  readonly cmdId: string | null;
  readonly status: "ok" | "rejected" | "error";
  readonly data?: unknown;
  readonly error?: { readonly code: RejectionCode | "internal"; readonly message: string };
}

/**
 * Runs one command message through the gates, in this order: size (before parsing), JSON, known
 * name, schema, `expiresAt`, replay window; then the handler. Every message gets exactly one result;
 * every rejection is passed to `onRejected` (the uplink records it as a security event). Messages are
 * handled one at a time in arrival order.
 */
export class CommandDispatcher {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      registry: CommandRegistry;
      seen: SeenCommands;
      clock: Clock;
      log: Logger;
      answer(name: string, result: CommandResult): Promise<void>;
      onRejected(name: string, result: CommandResult): void;
    },
  ) {}

  /** Queue a message from `cmd/<name>`; resolves once it has been answered. */
  handle(name: string, payload: Buffer): Promise<void> {
    const run = this.queue.then(() => this.process(name, payload));
    this.queue = run.catch(() => {});
    return run;
  }

  private async process(name: string, payload: Buffer): Promise<void> {
    const after: (() => void)[] = [];
    const result = await this.evaluate(name, payload, after);
    if (result.status === "rejected") this.deps.onRejected(name, result);
    try {
      await this.deps.answer(name, result);
    } catch (err) {
      this.deps.log.warn({ command: name, err: err instanceof Error ? err.message : String(err) }, "uplink: command result not sent");
    }
    for (const fn of after) fn();
  }

  private async evaluate(name: string, payload: Buffer, after: (() => void)[]): Promise<CommandResult> {
    let cmdId: string | null = sniffCmdId(payload);
    try {
      if (payload.length > MAX_COMMAND_BYTES) {
        throw new CommandRejected(`payload of ${payload.length} bytes exceeds ${MAX_COMMAND_BYTES}`, "tooLarge");
      }
      let body: unknown;
      try {
        body = JSON.parse(payload.toString("utf8"));
      } catch (err) {
        throw new CommandRejected(`not JSON: ${err instanceof Error ? err.message : String(err)}`, "malformed");
      }
      cmdId =
        typeof body === "object" && body !== null && typeof (body as { cmdId?: unknown }).cmdId === "string"
          ? (body as { cmdId: string }).cmdId
          : null;
      const command = this.deps.registry.get(name);
      if (!command) throw new CommandRejected(`unknown command '${name}'`, "unknownCommand");
      let valid: Record<string, unknown>;
      try {
        valid = command.validator.check(body, `cmd/${name}`);
      } catch (err) {
        if (err instanceof InputError) throw new CommandRejected(err.message, "invalid");
        throw err;
      }
      const id = valid.cmdId as string;
      const now = this.deps.clock.now();
      if (typeof valid.expiresAt === "string" && Date.parse(valid.expiresAt) <= now) {
        throw new CommandRejected(`expired at ${valid.expiresAt}`, "expired");
      }
      if (!this.deps.seen.remember(id, name, isoSeconds(now))) throw new CommandRejected(`cmdId '${id}' was already used`, "replayed");
      const { cmdId: _id, expiresAt: _exp, ...fields } = valid;
      const data = await command.handler(fields, { cmdId: id, name, afterAnswer: (fn) => after.push(fn) });
      return data === undefined ? { cmdId: id, status: "ok" } : { cmdId: id, status: "ok", data };
    } catch (err) {
      if (err instanceof CommandRejected) return { cmdId, status: "rejected", error: { code: err.code, message: err.message } };
      this.deps.log.error({ command: name, err: err instanceof Error ? err.message : String(err) }, "uplink: command failed");
      return { cmdId, status: "error", error: { code: "internal", message: err instanceof Error ? err.message : String(err) } };
    }
  }
}

/** The cmdId of a payload too large or too broken to parse, from its first bytes, for the answer. */
function sniffCmdId(payload: Buffer): string | null {
  const head = payload.subarray(0, 4096).toString("utf8");
  const m = /"cmdId"\s*:\s*"([^"\\]{1,64})"/.exec(head);
  return m ? (m[1] as string) : null;
}
