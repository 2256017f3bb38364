import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SystemClock } from "../../drivers/clock/system.js";
import type { Contactor, PilotEvent, PilotOutput, PilotState, Unsubscribe } from "../../drivers/types.js";
import { Bus } from "../../src/app/bus.js";
import { silentLogger } from "../../src/app/log.js";
import { ChargeController } from "../../src/services/charge-controller.js";
import { Checkpointer } from "../../src/store/checkpointer.js";
import { durably, openDb } from "../../src/store/db.js";
import { Outbox } from "../../src/store/outbox.js";
import { type BenchMetric, type BenchSuite, percentile, msMetric } from "./types.js";

/**
 * Fault → contactor-open latency on the real controller, while the store is busy writing.
 *
 * The pilot is a hardware-edge stand-in whose state the bench sets; the contactor records the time
 * `set(false)` is called. Each fault is injected by a timer due at a known instant, so the latency
 * includes the wait for the event loop — which is what a busy store costs. Meanwhile a writer appends
 * outbox rows in the way the station does: small batched transactions every loop turn and a durable
 * (fsync) commit every 50th, as an interval or session close would.
 */

const FAULTS: { name: string; state: PilotState; diodeOk: boolean }[] = [
  { name: "unplug (A)", state: "A", diodeOk: true },
  { name: "CP short (E)", state: "E", diodeOk: true },
  { name: "F", state: "F", diodeOk: true },
  { name: "diode", state: "C", diodeOk: false },
  { name: "C→B", state: "B", diodeOk: true },
];

class EdgePilot {
  private listener: ((e: PilotEvent) => void) | null = null;
  output: PilotOutput = { mode: "standby" };
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  setOutput(o: PilotOutput): void {
    this.output = o;
  }
  on(l: (e: PilotEvent) => void): Unsubscribe {
    this.listener = l;
    return () => {
      this.listener = null;
    };
  }
  emit(state: PilotState, diodeOk = true): void {
    this.listener?.({ kind: "state", state, diodeOk });
  }
}

class RecordingContactor implements Contactor {
  commanded = false;
  openedAt = 0;
  readonly hasFeedback = false;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  set(closed: boolean): void {
    if (this.commanded && !closed) this.openedAt = performance.now();
    this.commanded = closed;
  }
  feedback(): undefined {
    return undefined;
  }
  onFeedback(): Unsubscribe {
    return () => {};
  }
}

/** Keeps the store busy until stopped: one small transaction per loop turn, fsync every 50th. */
function busyWriter(outbox: Outbox, db: ReturnType<typeof openDb>["db"]): { stop(): number } {
  let running = true;
  let rows = 0;
  let turn = 0;
  const payload = { kind: "bench", detail: "x".repeat(300) };
  const write = () => {
    if (!running) return;
    const txn = () => {
      for (let i = 0; i < 20; i++) outbox.append("event", "2026-11-22T10:00:00Z", (seq) => ({ seq, ...payload }));
    };
    if (++turn % 50 === 0) durably(db, txn);
    else db.transaction(txn)();
    rows += 20;
    setImmediate(write);
  };
  setImmediate(write);
  return {
    stop: () => {
      running = false;
      return rows;
    },
  };
}

export async function measureFaultLatency(opts: {
  perKind: number;
  busy: boolean;
}): Promise<{ all: number[]; byKind: Map<string, number[]>; dispatch: number[]; rows: number }> {
  const dir = mkdtempSync(join(tmpdir(), "evsed-bench-safety-"));
  const path = join(dir, "bench.db");
  const { db } = openDb(path);
  // As the station runs it: WAL checkpoints in a worker, not on the connection that commits.
  const checkpointer = Checkpointer.start(db, path, {
    onFailure: (err) => {
      throw err;
    },
  });
  const outbox = new Outbox(db);
  const pilot = new EdgePilot();
  const contactor = new RecordingContactor();
  const clock = new SystemClock(() => true);
  const controller = new ChargeController({
    // No duty-change spacing: the bench re-arms a charging state right after each fault.
    config: { maxCurrentA: 32, dutyChangeMinIntervalMs: 0, c1ForceOpenMs: 6000, ventilationAllowed: false },
    defaultCurrentA: 16,
    pilot,
    contactor,
    clock,
    bus: new Bus(),
    log: silentLogger(),
  });
  controller.start();
  const writer = opts.busy ? busyWriter(outbox, db) : null;
  let writerRows = 0;
  const all: number[] = [];
  const dispatch: number[] = [];
  const byKind = new Map<string, number[]>(FAULTS.map((f) => [f.name, []]));
  try {
    for (let i = 0; i < opts.perKind; i++) {
      for (const fault of FAULTS) {
        // Charging again: fresh plug-in, authorized, vehicle in C, contactor closed.
        controller.clearFaults();
        pilot.emit("A");
        pilot.emit("B");
        controller.authorize("BENCH", "rfid");
        pilot.emit("C");
        if (!contactor.commanded) throw new Error("bench setup: the contactor did not close");
        const delay = 1 + (i % 4);
        const due = performance.now() + delay;
        await new Promise<void>((resolve) => {
          setTimeout(() => {
            const injected = performance.now();
            pilot.emit(fault.state, fault.diodeOk);
            dispatch.push(contactor.openedAt - injected);
            resolve();
          }, delay);
        });
        if (contactor.commanded) throw new Error(`bench: ${fault.name} did not open the contactor`);
        // A timer may fire a little before `due` by performance.now(); the fault then arrived when it fired.
        const latency = Math.max(contactor.openedAt - due, dispatch[dispatch.length - 1] as number);
        all.push(latency);
        byKind.get(fault.name)?.push(latency);
      }
    }
    writerRows = writer?.stop() ?? 0;
  } finally {
    writer?.stop();
    controller.stop();
    await checkpointer?.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { all, byKind, dispatch, rows: writerRows };
}

export const suite: BenchSuite = {
  name: "safety",
  async run(): Promise<BenchMetric[]> {
    const r = await measureFaultLatency({ perKind: 240, busy: true });
    const metrics: BenchMetric[] = [
      { id: "safety.faults", label: "faults injected (5 kinds, store busy)", value: r.all.length, unit: "faults" },
      { id: "safety.storeRows", label: "rows written by the store meanwhile", value: r.rows, unit: "rows" },
      msMetric("safety.faultToOpen.p50Ms", "fault → contactor open p50", percentile(r.all, 50)),
      msMetric("safety.faultToOpen.p99Ms", "fault → contactor open p99", percentile(r.all, 99), 5),
      msMetric("safety.faultToOpen.maxMs", "fault → contactor open max", Math.max(...r.all), 100),
      msMetric("safety.dispatch.p99Ms", "driver event → contactor open p99 (software path)", percentile(r.dispatch, 99)),
    ];
    for (const [kind, sample] of r.byKind) {
      metrics.push(msMetric(`safety.faultToOpen.${kind}.p99Ms`, `  ${kind} p99`, percentile(sample, 99)));
    }
    return metrics;
  },
};
