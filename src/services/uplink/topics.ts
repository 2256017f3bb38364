/**
 * The station's MQTT topic tree, `<prefix>/<stationId>/…` (docs/mqtt.md). Everything else in the uplink
 * speaks in suffixes (`status`, `cmd/setLimit/result`) and lets this turn them into full topics.
 */
export class Topics {
  readonly root: string;

  constructor(prefix: string, stationId: string) {
    this.root = `${prefix}/${stationId}/`;
  }

  /** Full topic for a suffix below the station root. */
  of(suffix: string): string {
    return this.root + suffix;
  }

  /** The suffix of a topic below the station root, or null when it is not ours. */
  suffix(topic: string): string | null {
    return topic.startsWith(this.root) ? topic.slice(this.root.length) : null;
  }

  /** The subscriptions the station holds: commands and answers to its requests. */
  subscriptions(): string[] {
    return [this.of("cmd/+"), this.of("res/+")];
  }
}

/** Splits `cmd/<name>` or `res/<name>` into its kind and name; null for anything else. */
export function parseInbound(suffix: string): { kind: "cmd" | "res"; name: string } | null {
  const m = /^(cmd|res)\/([^/]+)$/.exec(suffix);
  if (!m) return null;
  return { kind: m[1] as "cmd" | "res", name: m[2] as string };
}

export { isoSeconds } from "../../core/time.js";
