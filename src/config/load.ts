import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../app/paths.js";
import { type Board, BoardSchema } from "./board-schema.js";
import { applyEnvOverrides } from "./env.js";
import { type Config, ConfigSchema } from "./schema.js";
import { createAjv, InputError, Validator } from "./validate.js";

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or null when running on defaults. */
  readonly file: string | null;
  /** Where relative paths in the file are resolved from. */
  readonly baseDir: string;
}

export interface LoadedBoard {
  readonly board: Board;
  readonly file: string;
}

// Scalars are coerced (an environment variable is always text; `stationId: 0042` in YAML is a number).
const configValidator = new Validator(ConfigSchema, () => createAjv({ coerceTypes: true }));
const boardValidator = new Validator(BoardSchema);

/** Parse YAML or JSON text; a syntax error names the file and the line. */
export function parseDocument(text: string, source: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new InputError(source, "/", `not valid YAML or JSON: ${msg}`);
  }
}

/**
 * Read the configuration: the file (YAML or JSON) if given, then `EVSED_*` environment overrides,
 * then the schema with its defaults. Throws InputError naming the source, the key path and the
 * problem; reads nothing else and writes nothing.
 */
export function loadConfig(opts: { file?: string | null; env?: NodeJS.ProcessEnv; cwd?: string }): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  let raw: unknown = {};
  let file: string | null = null;
  if (opts.file) {
    file = resolve(cwd, opts.file);
    if (!existsSync(file)) throw new InputError(file, "/", "config file not found");
    raw = parseDocument(readFileSync(file, "utf8"), file) ?? {};
    if (typeof raw !== "object" || Array.isArray(raw)) throw new InputError(file, "/", "must be a mapping of keys to values");
  }
  const withEnv = applyEnvOverrides(raw as Record<string, unknown>, opts.env ?? {});
  const source = withEnv.applied.length > 0 ? `${file ?? "defaults"} + environment (${withEnv.applied.join(", ")})` : (file ?? "defaults");
  const config = configValidator.check(withEnv.value, source);
  return { config, file, baseDir: file ? dirname(file) : cwd };
}

/** Resolve a board reference: relative to the config's directory first, then to the install. */
export function resolveBoardPath(ref: string, baseDir: string): string {
  if (isAbsolute(ref)) return ref;
  const local = resolve(baseDir, ref);
  if (existsSync(local)) return local;
  const installed = resolve(packageRoot(), ref);
  return existsSync(installed) ? installed : local;
}

const DRIVER_CAPABILITIES = ["pilot", "contactor", "meter", "gridMeter", "tokenReader", "pevLink"] as const;

/** Read and check a board file: the schema, then that capabilities and drivers agree. */
export function loadBoard(path: string): LoadedBoard {
  if (!existsSync(path)) throw new InputError(path, "/", "board file not found");
  const board = boardValidator.check(parseDocument(readFileSync(path, "utf8"), path), path);
  for (const cap of DRIVER_CAPABILITIES) {
    const declared = board.capabilities[cap] === true;
    const present = board.drivers[cap] !== undefined;
    if (declared && !present) throw new InputError(path, `/drivers/${cap}`, `missing: capabilities.${cap} is true but no driver is given`);
    if (!declared && present) throw new InputError(path, `/capabilities/${cap}`, `is false but drivers.${cap} is given`);
  }
  const contactor = board.drivers.contactor;
  if (board.capabilities.feedback && contactor?.type === "gpio" && !contactor.feedback) {
    throw new InputError(path, "/drivers/contactor/feedback", "missing: capabilities.feedback is true");
  }
  if (board.capabilities.contactor && !board.capabilities.pilot) {
    throw new InputError(path, "/capabilities/pilot", "a contactor needs a pilot to decide when it may close");
  }
  return { board, file: path };
}
