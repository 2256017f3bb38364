import { InputError } from "../config/validate.js";

/** Exit codes of every `evsed` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the user can fix by changing a command line or a file: exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Print an error the way every command does and return the exit code it deserves. */
export function reportError(err: unknown): number {
  if (err instanceof InputError || err instanceof UsageError) {
    process.stderr.write(`evsed: ${err.message}\n`);
    return EXIT.usage;
  }
  // A runtime failure names its device or cause in the message; the stack only helps a developer.
  const msg = err instanceof Error ? (process.env.EVSED_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
  process.stderr.write(`evsed: ${msg}\n`);
  return EXIT.failure;
}
