import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IdKeys, LocalList, LocalListError } from "../../../../src/services/authorization/index.js";
import { AuthRepo } from "../../../../src/store/auth-repo.js";
import { type Db, openDb } from "../../../../src/store/db.js";
import { MetaRepo } from "../../../../src/store/meta-repo.js";
import { tempDir } from "../../../helpers/cli.js";

const tag = (i: number) => `C${i.toString(16).toUpperCase().padStart(9, "0")}`;
const accepted = (from: number, n: number, status = "Accepted") =>
  Array.from({ length: n }, (_, k) => ({ idTag: tag(from + k), idTagInfo: { status } as { status: "Accepted" } }));

let db: Db;
let repo: AuthRepo;
let keys: IdKeys;
let list: LocalList;
beforeEach(() => {
  db = openDb(join(tempDir("evsed-list-"), "evsed.db")).db;
  repo = new AuthRepo(db);
  keys = new IdKeys(new MetaRepo(db));
  list = new LocalList({ db, repo, keys });
});
afterEach(() => db.close());

const one = { index: 1, count: 1 };

describe("local authorization list (OCPP SendLocalList)", () => {
  it("installs a 100,000-entry Full list, then 1,000-entry Differentials", async () => {
    const full = await list.apply({ listVersion: 1, updateType: "Full", entries: accepted(0, 100_000), part: one }, "test");
    expect(full).toEqual({ status: "Accepted", listVersion: 1, entries: 100_000 });
    for (let v = 2; v <= 4; v++) {
      const entries = [...accepted(100_000 + v * 1000, 500), ...Array.from({ length: 500 }, (_, k) => ({ idTag: tag(v * 1000 + k) }))];
      const r = await list.apply({ listVersion: v, updateType: "Differential", entries, part: one }, "test");
      expect(r.status).toBe("Accepted");
    }
    expect(list.version()).toBe(4);
    expect(list.size()).toBe(100_000);
    expect(repo.lookup(keys.key(tag(2000)))).toBeNull();
    expect(repo.lookup(keys.key(tag(104_000)))?.status).toBe("Accepted");
    expect(repo.lookup(keys.key(tag(99_999).toLowerCase()))?.status).toBe("Accepted");
  });

  it("stores keyed hashes, never the idTag", async () => {
    await list.apply({ listVersion: 1, updateType: "Full", entries: accepted(0, 3), part: one }, "test");
    const raw = db.prepare("SELECT * FROM auth_list_entries").all();
    expect(JSON.stringify(raw)).not.toContain(tag(1));
    expect((raw[0] as { key: Buffer }).key.length).toBe(16);
  });

  it("rejects a Differential that does not follow with the station's version; nothing changes", async () => {
    await list.apply({ listVersion: 5, updateType: "Full", entries: accepted(0, 10), part: one }, "test");
    const err = await list
      .apply({ listVersion: 5, updateType: "Differential", entries: accepted(20, 1), part: one }, "cmd/localList")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalListError);
    expect(err).toMatchObject({ status: "VersionMismatch", installedVersion: 5, path: "/listVersion" });
    expect(list.size()).toBe(10);
  });

  it("a Full list of lower version replaces; an empty Full list at version 0 clears", async () => {
    await list.apply({ listVersion: 5, updateType: "Full", entries: accepted(0, 10), part: one }, "test");
    await list.apply({ listVersion: 2, updateType: "Full", entries: accepted(100, 3), part: one }, "test");
    expect([list.version(), list.size()]).toEqual([2, 3]);
    await list.apply({ listVersion: 0, updateType: "Full", entries: [], part: one }, "test");
    expect([list.version(), list.size()]).toEqual([0, 0]);
  });

  it("multi-part: nothing installed before the last part; an out-of-order part fails and changes nothing", async () => {
    await list.apply({ listVersion: 1, updateType: "Full", entries: accepted(0, 5), part: one }, "test");
    const p1 = await list.apply({ listVersion: 2, updateType: "Full", entries: accepted(10, 5), part: { index: 1, count: 3 } }, "test");
    expect(p1.status).toBe("PartStaged");
    expect([list.version(), list.size()]).toEqual([1, 5]);
    await expect(
      list.apply({ listVersion: 2, updateType: "Full", entries: accepted(20, 5), part: { index: 3, count: 3 } }, "cmd/localList"),
    ).rejects.toThrow(/cmd\/localList: \/part\/index: expected part 2, got 3/);
    await list.apply({ listVersion: 2, updateType: "Full", entries: accepted(20, 5), part: { index: 2, count: 3 } }, "test");
    const done = await list.apply({ listVersion: 2, updateType: "Full", entries: accepted(30, 5), part: { index: 3, count: 3 } }, "test");
    expect(done).toEqual({ status: "Accepted", listVersion: 2, entries: 15 });
    expect(repo.lookup(keys.key(tag(0)))).toBeNull();
  });

  it("bad entries are refused naming the field: duplicate, missing idTagInfo in Full, bad date", async () => {
    const bad = [
      [{ idTag: "AA" }, "/localAuthorizationList/0/idTagInfo"],
      [{ idTag: "AA", idTagInfo: { status: "Accepted", expiryDate: "soon" } }, "/localAuthorizationList/0/idTagInfo/expiryDate"],
    ] as const;
    for (const [entry, path] of bad) {
      await expect(list.apply({ listVersion: 1, updateType: "Full", entries: [entry as never], part: one }, "f")).rejects.toMatchObject({
        path,
      });
    }
    await expect(
      list.apply({ listVersion: 1, updateType: "Full", entries: [...accepted(0, 1), ...accepted(0, 1)], part: one }, "f"),
    ).rejects.toMatchObject({ path: "/localAuthorizationList/1/idTag" });
    expect(list.version()).toBe(0);
  });
});
