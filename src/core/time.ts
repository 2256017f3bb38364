/** ISO 8601 UTC with whole seconds, the timestamp format of every record: `2026-11-22T10:15:00Z`. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
