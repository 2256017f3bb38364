/** One measured number in the benchmark report. */
export interface BenchMetric {
  /** Stable dotted id, e.g. `safety.faultToOpen.p99Ms`. */
  readonly id: string;
  /** What a reader sees in the table. */
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  /** The target, where there is one; `better` says which side passes. */
  readonly target?: { readonly value: number; readonly better: "lower" | "higher" };
}

/** A benchmark suite: runs on its own resources and returns its metrics. */
export interface BenchSuite {
  readonly name: string;
  run(): Promise<BenchMetric[]>;
}

export function passes(m: BenchMetric): boolean | undefined {
  if (!m.target) return undefined;
  return m.target.better === "lower" ? m.value <= m.target.value : m.value >= m.target.value;
}

/** Percentile of an unsorted sample (nearest rank). */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** A latency metric in ms, with an upper target where the issue gives one. */
export function msMetric(id: string, label: string, value: number, target?: number): BenchMetric {
  return { id, label, value, unit: "ms", ...(target !== undefined ? { target: { value: target, better: "lower" as const } } : {}) };
}
