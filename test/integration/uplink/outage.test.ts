import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startUplink, type Uplink } from "../../../src/services/uplink/index.js";
import { Mosquitto, mosquittoAvailable } from "../../helpers/mosquitto.js";
import { FakeControl, StationStore, Subscriber, testConfig, waitUntil } from "./fixture.js";

/**
 * The outbox across broker outages and restarts, against a real Mosquitto with persistence. The
 * utility's subscriber keeps a persistent session (clean=false) so it misses nothing while it is
 * reconnecting; what it must see is every seq, in order, with duplicates only for records that were
 * in flight when the broker went away.
 */
describe.skipIf(!mosquittoAvailable())("outbox delivery through outages (Mosquitto)", () => {
  let broker: Mosquitto;
  let store: StationStore;
  let sub: Subscriber;
  const uplinks: Uplink[] = [];

  beforeEach(async () => {
    broker = await Mosquitto.create();
    store = new StationStore();
    sub = await Subscriber.connect(broker.url, ["evse/st-1/event"], { clientId: "utility", clean: false });
  });

  afterEach(async () => {
    for (const u of uplinks.splice(0)) await u.stop();
    await sub.close();
    await broker.dispose();
    store.dispose();
  });

  async function startStation(): Promise<Uplink> {
    const u = await startUplink({
      config: testConfig(store.dir, { url: broker.url, reconnectMinMs: 100, reconnectMaxMs: 1000, inflightWindow: 32 }),
      ...store.uplinkDeps("st-1", new FakeControl()),
      requestRestart: () => {},
    });
    uplinks.push(u);
    return u;
  }

  async function stopStation(u: Uplink): Promise<void> {
    uplinks.splice(uplinks.indexOf(u), 1);
    await u.stop();
  }

  function seqs(): number[] {
    return sub.json<{ seq: number }>("evse/st-1/event").map((e) => e.seq);
  }

  it("delivers every seq in order after a broker outage during which 2,000 records are made and the sender restarts twice", async () => {
    store.append(500);
    let station = await startStation();
    await sub.waitFor(() => seqs().length >= 100, "the first records");
    await broker.stop();
    const inFlightCeiling = Math.max(...seqs()) + 32 + 256;

    for (let restart = 0; restart < 2; restart++) {
      store.append(1000);
      station.notify();
      await stopStation(station);
      store.reopen();
      station = await startStation();
    }
    const last = 2500;
    await broker.start();
    await sub.waitFor(() => seqs().includes(last), `seq ${last}`, 60_000);

    const seen = seqs();
    const firstSeen: number[] = [];
    const set = new Set<number>();
    const duplicates: number[] = [];
    for (const s of seen) {
      if (set.has(s)) duplicates.push(s);
      else {
        set.add(s);
        firstSeen.push(s);
      }
    }
    expect(firstSeen).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    for (const d of duplicates) expect(d).toBeLessThan(inFlightCeiling);
    await waitUntil(() => store.outbox.size() === 0, "outbox empty");
  });

  it("stops cleanly while a hung broker holds records in flight; they are sent on the next run", async () => {
    store.append(200);
    const station = await startStation();
    await sub.waitFor(() => seqs().length >= 200, "the first records");
    broker.freeze();
    store.append(300);
    station.notify();
    // The connection looks alive but nothing is acknowledged: the stop must not wait for PUBACKs.
    await stopStation(station);
    broker.thaw();
    store.reopen();
    await startStation();
    await sub.waitFor(() => seqs().includes(500), "seq 500", 30_000);
    expect([...new Set(seqs())].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    await waitUntil(() => store.outbox.size() === 0, "outbox empty");
  }, 45_000);

  it("sends more than 65,535 queued records, none keyed by packet id", async () => {
    const n = 70_000;
    store.append(n);
    await startStation();
    await sub.waitFor(() => sub.received.length >= n, `${n} records`, 120_000);
    const s = seqs();
    expect(s.length).toBe(n);
    for (let i = 0; i < n; i++) if (s[i] !== i + 1) throw new Error(`position ${i}: seq ${s[i]}`);
  });
});
