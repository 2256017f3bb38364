/**
 * `EVSED_*` environment overrides. `__` separates levels and each level is SCREAMING_SNAKE for a
 * camelCase key: `EVSED_STATION_ID` → `stationId`, `EVSED_MQTT__URL` → `mqtt.url`,
 * `EVSED_CHARGING__MAX_CURRENT_A` → `charging.maxCurrentA`. Values stay strings (the config
 * validator coerces scalars to the schema's type, so `0042` stays a station id), except JSON arrays
 * and objects. `EVSED_CONFIG` names the file and is not an override.
 */
export function applyEnvOverrides(
  base: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { value: Record<string, unknown>; applied: string[] } {
  const value = structuredClone(base);
  const applied: string[] = [];
  for (const [name, text] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith("EVSED_") || name === "EVSED_CONFIG" || text === undefined) continue;
    const path = name.slice("EVSED_".length).split("__").map(camel);
    let node: Record<string, unknown> = value;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = parseValue(text);
    applied.push(name);
  }
  return { value, applied };
}

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseValue(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
