import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError, Validator } from "../../src/config/validate.js";
import { type MeterMap, MeterMapSchema } from "./map-schema.js";

/**
 * The `boards/meters` directory of this installation: found by walking up from this module, so it
 * works from the sources and from `dist/`.
 */
export function meterMapDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "boards", "meters");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("boards/meters not found next to the evsed installation");
}

/** Models with a map in `dir`. */
export function listMeterModels(dir = meterMapDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * Load and check `<dir>/<model>.json`. Throws InputError naming the file, field and problem; also
 * when `model` inside the file differs from the name, or two registers overlap.
 */
export function loadMeterMap(model: string, dir = meterMapDir(), validator = new Validator(MeterMapSchema)): MeterMap {
  const file = join(dir, `${model}.json`);
  if (!/^[a-z0-9-]+$/.test(model)) throw new InputError(file, "/model", `invalid model name '${model}'`);
  if (!existsSync(file))
    throw new InputError(file, "/", `no register map for meter model '${model}' (have: ${listMeterModels(dir).join(", ")})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new InputError(file, "/", `not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const map = validator.check(raw, file);
  if (map.model !== model) throw new InputError(file, "/model", `'${map.model}' does not match the file name '${model}'`);
  checkOverlaps(map, file);
  return map;
}

/** Register counts per type. */
export function registerCount(type: string): number {
  return type === "uint64" ? 4 : type === "int16" || type === "uint16" ? 1 : 2;
}

function checkOverlaps(map: MeterMap, file: string): void {
  const spans = Object.entries(map.registers)
    .filter((e): e is [string, NonNullable<(typeof e)[1]>] => e[1] !== undefined)
    .map(([q, r]) => ({ q, fc: r.functionCode ?? map.functionCode, from: r.address, to: r.address + registerCount(r.type) }))
    .sort((x, y) => x.fc - y.fc || x.from - y.from);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1];
    const cur = spans[i];
    if (prev && cur && prev.fc === cur.fc && cur.from < prev.to) {
      throw new InputError(file, `/registers/${cur.q}`, `overlaps ${prev.q}`);
    }
  }
}
