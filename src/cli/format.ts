import { UsageError } from "./errors.js";

type Row = Record<string, unknown>;

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.join(",");
  return String(v);
}

/** A plain aligned text table with a header; "(none)" when empty. */
export function toTable(rows: readonly Row[]): string {
  if (rows.length === 0) return "(none)\n";
  const cols = Object.keys(rows[0] as Row);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    `${vals
      .map((v, i) => v.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd()}\n`;
  return line(cols) + line(widths.map((w) => "-".repeat(w))) + rows.map((r) => line(cols.map((c) => cell(r[c])))).join("");
}

/** RFC 4180 CSV with a header row. */
export function toCsv(rows: readonly Row[]): string {
  if (rows.length === 0) return "";
  const cols = Object.keys(rows[0] as Row);
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${[cols.join(","), ...rows.map((r) => cols.map((c) => esc(cell(r[c]))).join(","))].join("\n")}\n`;
}

/** `--since TIME` as the ISO-seconds text records are stored with; undefined when absent. */
export function sinceArg(since: string | undefined): string | undefined {
  if (since === undefined) return undefined;
  if (Number.isNaN(Date.parse(since))) throw new UsageError(`--since must be an ISO time, got ${since}`);
  return new Date(since).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Print records as JSON lines, CSV or a table (`tableRow` picks the columns a person reads). */
export function printRecords<T extends Row>(rows: readonly T[], opts: { json?: boolean; csv?: boolean }, tableRow: (r: T) => Row): void {
  if (opts.json && opts.csv) throw new UsageError("--json and --csv exclude each other");
  if (opts.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  else if (opts.csv) process.stdout.write(toCsv(rows));
  else process.stdout.write(toTable(rows.map(tableRow)));
}
