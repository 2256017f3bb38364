import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchMetric, type BenchSuite, passes } from "./types.js";

/**
 * `npm run bench`: runs every suite, writes `bench/out/report.json` and prints a table.
 * Suites register in SUITES below; each is independent. `npm run bench -- NAME…` runs only those.
 * Exit code 0 even when a target is missed: the report says which, CI does not gate on timing.
 */
const SUITES: (() => Promise<BenchSuite>)[] = [
  () => import("./safety.js").then((m) => m.suite),
  () => import("./outbox.js").then((m) => m.suite),
  () => import("./modbus.js").then((m) => m.suite),
  () => import("./metering.js").then((m) => m.suite),
  () => import("./auth.js").then((m) => m.suite),
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const results: { suite: string; metrics: BenchMetric[]; error?: string }[] = [];
  for (const load of SUITES) {
    const suite = await load();
    if (only.length > 0 && !only.includes(suite.name)) continue;
    process.stderr.write(`bench: ${suite.name} …\n`);
    try {
      results.push({ suite: suite.name, metrics: await suite.run() });
    } catch (err) {
      results.push({ suite: suite.name, metrics: [], error: err instanceof Error ? err.message : String(err) });
    }
  }
  const outDir = join(process.cwd(), "bench", "out");
  mkdirSync(outDir, { recursive: true });
  const report = { at: new Date().toISOString(), node: process.version, results };
  writeFileSync(join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  const rows = results.flatMap((r) =>
    r.error
      ? [{ suite: r.suite, metric: "ERROR", value: r.error, target: "", ok: "✗" }]
      : r.metrics.map((m) => {
          const ok = passes(m);
          return {
            suite: r.suite,
            metric: m.label,
            value: `${round(m.value)} ${m.unit}`,
            target: m.target ? `${m.target.better === "lower" ? "≤" : "≥"} ${m.target.value} ${m.unit}` : "",
            ok: ok === undefined ? "" : ok ? "✓" : "✗",
          };
        }),
  );
  console.table(rows);
  console.log(`report: ${join(outDir, "report.json")}`);
}

function round(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

await main();
