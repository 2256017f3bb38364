/**
 * Masks an identifier for logs, status and records: only the last four characters stay readable
 * (enough for a person to recognise their card, too little to clone it).
 */
export function maskId(id: string | null | undefined): string | null {
  if (id === null || id === undefined) return null;
  if (id.length <= 4) return "*".repeat(id.length);
  return `${"*".repeat(Math.min(id.length - 4, 8))}${id.slice(-4)}`;
}
