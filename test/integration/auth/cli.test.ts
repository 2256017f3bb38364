import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../../helpers/cli.js";

/** `evsed auth …` on a real database (run `npx tsc -p .` first: it spawns bin/evsed.js). */
describe("evsed auth", () => {
  it("imports a list, shows version and hashes only, refuses a mismatched Differential naming the file and field, clears the cache", async () => {
    const cwd = tempDir("evsed-auth-cli-");
    const list = {
      listVersion: 3,
      updateType: "Full",
      localAuthorizationList: [
        { idTag: "04A1B2C3D4", idTagInfo: { status: "Accepted" } },
        { idTag: "FF00AA", idTagInfo: { status: "Blocked" } },
      ],
    };
    writeFileSync(join(cwd, "list.json"), JSON.stringify(list));
    writeFileSync(join(cwd, "diff.json"), JSON.stringify({ listVersion: 3, updateType: "Differential", localAuthorizationList: [] }));
    expect((await runCli(["auth", "import", "list.json"], { cwd })).stdout).toContain('"status":"Accepted"');
    const version = await runCli(["auth", "version"], { cwd });
    expect(JSON.parse(version.stdout)).toMatchObject({ listVersion: 3, entries: 2, cacheEntries: 0 });
    const exported = await runCli(["auth", "export"], { cwd });
    expect(exported.stdout.trim().split("\n")).toHaveLength(2);
    expect(exported.stdout).not.toContain("04A1B2C3D4");
    const bad = await runCli(["auth", "import", "diff.json"], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("diff.json: /listVersion: VersionMismatch");
    expect(JSON.parse((await runCli(["auth", "version"], { cwd })).stdout)).toMatchObject({ listVersion: 3, entries: 2 });
    expect((await runCli(["auth", "clear-cache"], { cwd })).stdout).toContain('"removed":0');
    expect((await runCli(["auth", "list", "-n", "0"], { cwd })).code).toBe(2);
  });
});
