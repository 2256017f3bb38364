import { Type } from "@sinclair/typebox";
import { type Config, ConfigSchema } from "../../../config/schema.js";
import { InputError, Validator } from "../../../config/validate.js";
import { type CommandRegistry, CommandRejected } from "./registry.js";

/** What replaces a secret in `getConfig` answers. */
export const REDACTED = "[redacted]";

const SECRET_KEYS = new Set(["password", "secret", "token", "apiKey"]);

/** The raw configuration document on disk (as written, without defaults), read and replaced whole. */
export interface ConfigDocument {
  read(): Promise<Record<string, unknown>>;
  /** Replace the document atomically: after a crash the old or the new one is there, never half. */
  write(doc: Record<string, unknown>): Promise<void>;
}

export interface ConfigCommandsDeps {
  /** The configuration in effect. */
  current(): Config;
  /** Absent when evsed runs without a config file: `setConfig` is then rejected. */
  document?: ConfigDocument;
  /** Apply a change without a restart; false (or absent) means a restart is required. */
  applyLive?(next: Config, changed: readonly string[]): boolean;
  /** Called after a change was persisted (the uplink records a `config` event). */
  onChanged?(changed: readonly string[], outcome: "applied" | "restartRequired"): void;
}

/**
 * `getConfig` answers the configuration in effect with secrets replaced by `[redacted]`.
 * `setConfig` takes a JSON merge patch (RFC 7396) of the config file, checks the patched file against
 * the app's ConfigSchema, writes it, and answers `applied` or `restartRequired` with the changed paths.
 * An invalid patch is rejected and the file is not touched.
 */
export function registerConfigCommands(registry: CommandRegistry, deps: ConfigCommandsDeps): void {
  const validator = new Validator(ConfigSchema);

  registry.add({
    name: "getConfig",
    description: "The configuration in effect, secrets redacted.",
    schema: Type.Object({}),
    handler: () => ({ config: redact(deps.current()) }),
  });

  registry.add({
    name: "setConfig",
    description: "Change the configuration by a JSON merge patch of the config file; answered applied or restartRequired.",
    schema: Type.Object({
      patch: Type.Record(Type.String(), Type.Unknown(), { description: "RFC 7396 merge patch; null removes a key." }),
    }),
    handler: async (p) => {
      if (!deps.document) throw new CommandRejected("evsed runs without a config file; nothing to change");
      if (containsRedacted(p.patch))
        throw new CommandRejected(`'${REDACTED}' is not a value; send the secret or leave the key out`, "invalid");
      const doc = mergePatch(await deps.document.read(), p.patch) as Record<string, unknown>;
      let next: Config;
      try {
        next = validator.check(structuredClone(doc), "setConfig patch");
      } catch (err) {
        if (err instanceof InputError) throw new CommandRejected(err.message, "invalid");
        throw err;
      }
      const changed = changedPaths(deps.current(), next);
      if (changed.length === 0) return { outcome: "applied", changed };
      await deps.document.write(doc);
      const outcome = deps.applyLive?.(next, changed) === true ? "applied" : "restartRequired";
      deps.onChanged?.(changed, outcome);
      return { outcome, changed };
    },
  });
}

/** A deep copy with every secret-named key replaced. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k) && v !== undefined ? REDACTED : redact(v);
  return out;
}

/** RFC 7396 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Dotted paths of the leaves that differ between two configurations. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || "/"];
}

function containsRedacted(value: unknown): boolean {
  if (value === REDACTED) return true;
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(containsRedacted);
}
