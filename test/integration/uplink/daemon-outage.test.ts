import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../../src/store/db.js";
import { Outbox } from "../../../src/store/outbox.js";
import { EvsedProcess, tempDir } from "../../helpers/cli.js";
import { Mosquitto, mosquittoAvailable } from "../../helpers/mosquitto.js";
import { Subscriber, waitUntil } from "./fixture.js";

/**
 * The acceptance outage test on the real daemon (`evsed run`, simulated board, the compiled CLI that
 * `npm test` builds): with the broker stopped, 2,000 records are written into the station's database
 * while evsed is restarted twice — once by SIGKILL, once by SIGTERM — and evsed's own boot events
 * join them. When the broker returns, the utility's persistent subscriber must see every seq, in
 * order, without gaps; duplicates only of records that were in flight when the broker went away.
 */
describe.skipIf(!mosquittoAvailable())("outage across daemon restarts (Mosquitto, evsed run)", () => {
  let broker: Mosquitto;
  let dir: string;
  let proc: EvsedProcess | null = null;
  let sub: Subscriber;

  beforeEach(async () => {
    broker = await Mosquitto.create();
    dir = tempDir("evsed-outage-");
    writeFileSync(join(dir, "idle.yaml"), "steps:\n  - { wait: 86400 }\n");
    writeFileSync(
      join(dir, "evsed.yaml"),
      [
        "stationId: d-1",
        `dataDir: ${join(dir, "var")}`,
        "sim:",
        "  scenario: idle.yaml",
        "mqtt:",
        `  url: ${broker.url}`,
        "  reconnectMinMs: 100",
        "  reconnectMaxMs: 1000",
        "",
      ].join("\n"),
    );
    sub = await Subscriber.connect(broker.url, ["evse/d-1/session", "evse/d-1/interval", "evse/d-1/event"], {
      clientId: "utility-outage",
      clean: false,
    });
  });

  afterEach(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) await proc.kill("SIGKILL");
    proc = null;
    await sub.close();
    await broker.dispose();
  });

  function start(): EvsedProcess {
    proc = new EvsedProcess(["run"], { cwd: dir });
    return proc;
  }

  function seqs(): number[] {
    return sub.received.map((r) => (JSON.parse(r.payload.toString()) as { seq: number }).seq);
  }

  /** Appends `n` event records to the station's database from this process, as a producer would. */
  function produce(n: number): void {
    const { db } = openDb(join(dir, "var", "evsed.db"));
    try {
      const outbox = new Outbox(db);
      // IMMEDIATE: take the write lock first (waiting for the daemon's commits), as a second writer must;
      // a deferred one that read before the daemon wrote fails at once with SQLITE_BUSY.
      db.transaction(() => {
        for (let i = 0; i < n; i++) {
          outbox.append("event", "2026-11-22T10:15:00Z", (seq) => ({ seq, ts: "2026-11-22T10:15:00Z", kind: "test", detail: { i } }));
        }
      }).immediate();
    } finally {
      db.close();
    }
  }

  function maxSeq(): number {
    const { db } = openDb(join(dir, "var", "evsed.db"));
    try {
      return (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number }).seq;
    } finally {
      db.close();
    }
  }

  function outboxSize(): number {
    const { db } = openDb(join(dir, "var", "evsed.db"));
    try {
      return new Outbox(db).size();
    } finally {
      db.close();
    }
  }

  it("delivers every seq in order after SIGKILL and SIGTERM restarts during an outage", async () => {
    let p = start();
    await p.waitForMsg("station started", 60_000);
    await sub.waitFor(() => seqs().length > 0, "the boot event", 60_000);
    await broker.stop();
    const beforeOutage = Math.max(...seqs());

    produce(1000);
    await p.kill("SIGKILL");
    p = start();
    await p.waitForMsg("station started", 60_000);
    produce(1000);
    const stopped = await p.kill("SIGTERM");
    expect(stopped.code).toBe(0);
    p = start();

    await broker.start();
    const last = maxSeq();
    expect(last).toBeGreaterThanOrEqual(2000 + beforeOutage);
    await sub.waitFor(() => seqs().includes(last), `seq ${last}`, 120_000);

    const firstSeen: number[] = [];
    const seen = new Set<number>();
    const duplicates: number[] = [];
    for (const s of seqs()) {
      if (seen.has(s)) duplicates.push(s);
      else {
        seen.add(s);
        firstSeen.push(s);
      }
    }
    expect(firstSeen.length).toBeGreaterThanOrEqual(last);
    expect(firstSeen).toEqual(Array.from({ length: firstSeen.length }, (_, i) => i + 1));
    for (const d of duplicates) expect(d).toBeLessThanOrEqual(beforeOutage);
    await waitUntil(() => outboxSize() === 0, "outbox empty", 30_000);
  }, 240_000);
});
