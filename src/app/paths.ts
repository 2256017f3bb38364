import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The install directory (where package.json, boards/ and docs/ live), from source or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "evsed") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the evsed install directory (package.json)");
    dir = up;
  }
}
