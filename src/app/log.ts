import { pino } from "pino";

export type Logger = pino.Logger;

export type LogFormat = "pretty" | "json";

/**
 * Structured logs: JSON lines (journald, tests, `jq`) or a readable single line per event for a
 * terminal. Secrets are redacted by key wherever they appear.
 */
export function createLogger(opts: { level: string; format?: LogFormat; name?: string; destination?: NodeJS.WritableStream }): Logger {
  const format = opts.format ?? (process.stdout.isTTY ? "pretty" : "json");
  const base = {
    level: opts.level,
    name: opts.name ?? "evsed",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["password", "*.password", "*.key", "config.mqtt.password", "token", "*.token"], censor: "[redacted]" },
  };
  if (format === "pretty") {
    return pino({
      ...base,
      transport: {
        target: "pino-pretty",
        options: { colorize: true, singleLine: true, translateTime: "SYS:HH:MM:ss.l", ignore: "name", destination: 2 },
      },
    });
  }
  return pino(base, opts.destination ?? pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything: for unit tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
