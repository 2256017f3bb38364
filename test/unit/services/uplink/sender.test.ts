import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../../src/app/log.js";
import type { PublishCallback } from "../../../../src/services/uplink/connection.js";
import { OutboxSender } from "../../../../src/services/uplink/sender.js";
import { openDb } from "../../../../src/store/db.js";
import { Outbox } from "../../../../src/store/outbox.js";

/** A publisher that holds every callback until the test acknowledges or fails it. */
class HeldPublisher {
  readonly sent: { seq: number; cb: PublishCallback }[] = [];
  publish(_suffix: string, payload: string, _opts: { qos: 1 }, cb: PublishCallback): void {
    this.sent.push({ seq: (JSON.parse(payload) as { seq: number }).seq, cb });
  }
}

function setup(rows: number, window = 4) {
  const { db } = openDb(":memory:");
  const outbox = new Outbox(db);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) outbox.append("event", "2026-11-22T10:15:00Z", (seq) => ({ seq }));
  })();
  const pub = new HeldPublisher();
  const sender = new OutboxSender({ db, outbox, publisher: pub, window, log: silentLogger() });
  return { db, outbox, pub, sender };
}

describe("OutboxSender", () => {
  it("sends nothing while disconnected", () => {
    const { pub, sender } = setup(3);
    sender.notify();
    expect(pub.sent).toEqual([]);
  });

  it("keeps at most `window` records in flight, in seq order", () => {
    const { pub, sender } = setup(10, 4);
    sender.connected();
    expect(pub.sent.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    pub.sent[0]?.cb();
    expect(pub.sent.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(sender.inFlight()).toBe(4);
  });

  it("deletes a row only after its callback succeeded", () => {
    const { outbox, pub, sender } = setup(3, 4);
    sender.connected();
    pub.sent[1]?.cb();
    pub.sent[2]?.cb(new Error("refused"));
    sender.flush();
    expect(outbox.peek(0, 10).map((r) => r.seq)).toEqual([1, 3]);
  });

  it("restarts from the lowest unacknowledged seq after a reconnect", () => {
    const { pub, sender } = setup(6, 3);
    sender.connected();
    pub.sent[0]?.cb();
    sender.flush();
    sender.disconnected();
    pub.sent[2]?.cb(new Error("Connection closed"));
    const before = pub.sent.length;
    sender.connected();
    expect(pub.sent.slice(before).map((s) => s.seq)).toEqual([2, 3, 4]);
  });

  it("lets late acknowledgements of an old connection delete rows without driving the window", () => {
    const { outbox, pub, sender } = setup(5, 2);
    sender.connected();
    const old = pub.sent.slice();
    sender.disconnected();
    sender.connected();
    const afterReconnect = pub.sent.length;
    old[0]?.cb();
    sender.flush();
    expect(pub.sent.length).toBe(afterReconnect);
    expect(outbox.peek(0, 10).map((r) => r.seq)).toEqual([2, 3, 4, 5]);
  });

  it("deletes acknowledged rows by itself shortly after, in one batch", async () => {
    const { outbox, pub, sender, db } = setup(3, 4);
    sender.connected();
    for (const s of pub.sent) s.cb();
    expect(outbox.size()).toBe(3);
    const changes = db.prepare("SELECT total_changes() AS n").pluck();
    const before = changes.get() as number;
    await new Promise<void>((resolve) => {
      const poll = (): void => (outbox.size() === 0 ? resolve() : void setTimeout(poll, 5));
      poll();
    });
    expect((changes.get() as number) - before).toBe(3);
  });

  it("wakes on notify for rows appended later", () => {
    const { outbox, pub, sender } = setup(0, 4);
    sender.connected();
    outbox.append("event", "2026-11-22T10:15:00Z", (seq) => ({ seq }));
    sender.notify();
    expect(pub.sent.map((s) => s.seq)).toEqual([1]);
  });

  it("walks far past 65,535 rows", () => {
    const { outbox, pub, sender } = setup(70_000, 64);
    sender.connected();
    for (let i = 0; i < pub.sent.length; i++) pub.sent[i]?.cb();
    sender.flush();
    expect(pub.sent.length).toBe(70_000);
    expect(pub.sent.at(-1)?.seq).toBe(70_000);
    expect(outbox.size()).toBe(0);
  });
});
