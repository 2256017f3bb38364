import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { readFile, rename } from "node:fs/promises";
import { extname } from "node:path";
import { stringify } from "yaml";
import { parseDocument } from "../../../config/load.js";
import type { ConfigDocument } from "./config.js";

/**
 * The config file as a `ConfigDocument`: YAML unless the name ends in `.json`. Writes go to a
 * temporary file that is fsynced and renamed over the original, so a power cut leaves one of the two
 * complete versions. Comments in a YAML file are not kept.
 */
export function configFileDocument(path: string): ConfigDocument {
  const json = extname(path).toLowerCase() === ".json";
  return {
    async read() {
      const text = await readFile(path, "utf8");
      const doc = parseDocument(text, path);
      if (doc === null || doc === undefined) return {};
      if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${path}: not a mapping`);
      return doc as Record<string, unknown>;
    },
    async write(doc) {
      const text = json ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc);
      const tmp = `${path}.tmp-${process.pid}`;
      const fd = openSync(tmp, "w", 0o600);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      await rename(tmp, path);
    },
  };
}
