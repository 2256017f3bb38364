/** UID lengths in bytes evsed accepts: ISO 14443 single/double/triple size (4, 7, 10) and EM4100 (5). */
const UID_BYTES = new Set([4, 5, 7, 10]);

/**
 * Normalize a card UID: separators (`:`, `-`, space) removed, upper-case hex, 4, 5, 7 or 10 bytes.
 * Returns undefined for anything else.
 */
export function normalizeUid(text: string): string | undefined {
  const hex = text.trim().replace(/[:\-\s]/g, "");
  if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length % 2 !== 0 || !UID_BYTES.has(hex.length / 2)) return undefined;
  return hex.toUpperCase();
}
