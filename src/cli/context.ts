import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createLogger, type LogFormat, type Logger } from "../app/log.js";
import type { Board } from "../config/board-schema.js";
import { loadBoard, loadConfig, resolveBoardPath } from "../config/load.js";
import type { Config } from "../config/schema.js";

/** Options every command accepts (see main.ts). */
export interface GlobalOptions {
  config?: string;
  logLevel?: string;
  logFormat?: LogFormat;
}

export interface CommandContext {
  readonly config: Config;
  readonly configFile: string | null;
  readonly baseDir: string;
  readonly board: Board;
  readonly boardFile: string;
  readonly log: Logger;
}

/** The config file: `--config`, else `$EVSED_CONFIG`, else `./evsed.yaml` if present, else defaults. */
export function configPath(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string | null {
  if (opts.config) return opts.config;
  if (env.EVSED_CONFIG) return env.EVSED_CONFIG;
  for (const name of ["evsed.yaml", "evsed.yml", "evsed.json"]) if (existsSync(resolve(name))) return name;
  return null;
}

/**
 * Load and check config and board (throws InputError → exit 2, nothing written), then make the logger.
 * `boardOverride` is the `--board` flag.
 */
export function loadContext(opts: GlobalOptions & { board?: string }): CommandContext {
  const { config, file, baseDir } = loadConfig({ file: configPath(opts), env: process.env });
  const boardFile = resolveBoardPath(opts.board ?? config.board, opts.board ? process.cwd() : baseDir);
  const { board } = loadBoard(boardFile);
  const log = createLogger({ level: opts.logLevel ?? config.log.level, ...(opts.logFormat ? { format: opts.logFormat } : {}) });
  return { config, configFile: file, baseDir, board, boardFile, log };
}

/** The station database of a config, for the read-only commands. */
export function databasePath(config: Config, baseDir: string): string {
  return resolve(baseDir, config.dataDir, "evsed.db");
}
