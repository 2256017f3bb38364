import { createHmac, randomBytes } from "node:crypto";
import { normalizeIdTag } from "../../core/authorization-list.js";
import type { MetaRepo } from "../../store/meta-repo.js";

const META_KEY = "authorization.hashKey";

/**
 * Keyed hashes of identifiers: the local list and the cache store HMAC-SHA-256(station secret, idTag)
 * truncated to 16 bytes, never the tag. The secret is made once per database (32 random bytes in meta),
 * so a copied list cannot be matched against other stations' or turned back into card numbers.
 */
export class IdKeys {
  private readonly secret: Buffer;

  constructor(meta: MetaRepo) {
    let hex = meta.get(META_KEY);
    if (!hex) {
      hex = randomBytes(32).toString("hex");
      meta.set(META_KEY, hex);
    }
    this.secret = Buffer.from(hex, "hex");
  }

  /** The 16-byte key of `idTag` (normalized first: case-insensitive, trimmed). */
  key(idTag: string): Buffer {
    return createHmac("sha256", this.secret).update(normalizeIdTag(idTag)).digest().subarray(0, 16);
  }

  hex(idTag: string): string {
    return this.key(idTag).toString("hex");
  }
}
