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
