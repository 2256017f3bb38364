import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { loadConfig } from "../config/load.js";
import { InputError, Validator } from "../config/validate.js";
import { LocalListSchema } from "../services/authorization/commands.js";
import { IdKeys, LocalList, LocalListError } from "../services/authorization/index.js";
import { AuthRepo } from "../store/auth-repo.js";
import { type Db, openDb } from "../store/db.js";
import { MetaRepo } from "../store/meta-repo.js";
import { configPath, databasePath, type GlobalOptions } from "./context.js";
import { EXIT, reportError, UsageError } from "./errors.js";
import { toTable } from "./format.js";

function openStore(global: GlobalOptions): Db {
  const { config, baseDir } = loadConfig({ file: configPath(global), env: process.env });
  return openDb(databasePath(config, baseDir)).db;
}

function action(fn: (db: Db, cmd: Command) => Promise<void> | void): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const cmd = args[args.length - 1] as Command;
    let db: Db | null = null;
    try {
      db = openStore(cmd.optsWithGlobals());
      await fn(db, cmd);
      process.exitCode = EXIT.ok;
    } catch (err) {
      process.exitCode = reportError(err);
    } finally {
      db?.close();
    }
  };
}

const fileSchema = new Validator(LocalListSchema);

/**
 * `evsed auth list | import FILE | export | version | clear-cache`: the local authorization list and
 * the cache in the station database. The list holds keyed hashes of the identifiers, so `list` and
 * `export` show hashes, never card numbers. `import` takes a SendLocalList JSON document
 * ({listVersion, updateType, localAuthorizationList}) with the same rules as the `localList` command.
 */
export function registerAuth(program: Command): void {
  const auth = program.command("auth").description("local authorization list and cache");
  auth
    .command("version")
    .description("installed list version, entries, cache size")
    .action(
      action((db) => {
        const repo = new AuthRepo(db);
        process.stdout.write(
          `${JSON.stringify({ listVersion: repo.version(), entries: repo.size(), cacheEntries: repo.cacheSize(), staging: repo.staging() })}\n`,
        );
      }),
    );
  const page = (db: Db, limit: number, write: (row: Record<string, unknown>) => void) => {
    const repo = new AuthRepo(db);
    let after = Buffer.alloc(0);
    let left = limit;
    while (left > 0) {
      const rows = repo.page(after, Math.min(left, 1000));
      if (rows.length === 0) break;
      for (const r of rows) {
        write({
          key: r.key,
          status: r.info.status,
          expiry: r.info.expiryMs === null ? null : new Date(r.info.expiryMs).toISOString(),
          parent: r.info.parent,
        });
      }
      left -= rows.length;
      after = Buffer.from((rows[rows.length - 1] as { key: string }).key, "hex");
    }
  };
  auth
    .command("list")
    .description("installed entries (keyed hashes), ordered by hash")
    .option("-n, --limit <n>", "how many", "50")
    .option("--json", "JSON lines")
    .action(
      action((db, cmd) => {
        const opts = cmd.opts<{ limit: string; json?: boolean }>();
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${opts.limit}`);
        const rows: Record<string, unknown>[] = [];
        page(db, limit, (r) => rows.push(r));
        if (opts.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
        else
          process.stdout.write(
            toTable(rows.map((r) => ({ key: r.key, status: r.status, expiry: r.expiry ?? "", parent: r.parent ?? "" }))),
          );
      }),
    );
  auth
    .command("export")
    .description("every installed entry as JSON lines (keyed hashes)")
    .action(action((db) => page(db, Number.MAX_SAFE_INTEGER, (r) => process.stdout.write(`${JSON.stringify(r)}\n`))));
  auth
    .command("import <file>")
    .description("install a SendLocalList JSON document (Full or Differential)")
    .action(
      action(async (db, cmd) => {
        const file = cmd.args[0] as string;
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(file, "utf8"));
        } catch (err) {
          throw new InputError(file, "/", err instanceof Error ? err.message : String(err));
        }
        const doc = fileSchema.check(raw, file);
        const repo = new AuthRepo(db);
        const list = new LocalList({ db, repo, keys: new IdKeys(new MetaRepo(db)) });
        try {
          const r = await list.apply(
            { listVersion: doc.listVersion, updateType: doc.updateType, entries: doc.localAuthorizationList, part: { index: 1, count: 1 } },
            file,
          );
          process.stdout.write(`${JSON.stringify(r)}\n`);
        } catch (err) {
          if (err instanceof LocalListError)
            throw new InputError(file, err.path, `${err.status}: ${err.problem} (installed version ${err.installedVersion})`);
          throw err;
        }
      }),
    );
  auth
    .command("clear-cache")
    .description("empty the authorization cache")
    .action(action((db) => void process.stdout.write(`${JSON.stringify({ removed: new AuthRepo(db).clearCache() })}\n`)));
}
