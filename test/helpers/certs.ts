import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const OPENSSL_BIN = process.env.OPENSSL ?? "/usr/bin/openssl";

/** Whether openssl is there; under `CI=true` a missing binary throws instead of skipping. */
export function opensslAvailable(): boolean {
  if (existsSync(OPENSSL_BIN)) return true;
  if (process.env.CI === "true") throw new Error(`${OPENSSL_BIN} is missing; install the openssl package`);
  return false;
}

export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

/**
 * A throw-away PKI in a temp dir, made with the openssl CLI: a CA, a server certificate for
 * 127.0.0.1/localhost, and client certificates whose CN is the identity (station id or `utility`).
 */
export class TestPki {
  readonly ca: string;
  private readonly caKey: string;

  private constructor(readonly dir: string) {
    this.ca = join(dir, "ca.crt");
    this.caKey = join(dir, "ca.key");
  }

  static create(): TestPki {
    const pki = new TestPki(mkdtempSync(join(tmpdir(), "evsed-pki-")));
    openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=evsed test CA",
      "-keyout",
      pki.caKey,
      "-out",
      pki.ca,
    ]);
    return pki;
  }

  server(): CertPair {
    const ext = join(this.dir, "server.ext");
    writeFileSync(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    return this.issue("server", "/CN=localhost", ext);
  }

  client(cn: string): CertPair {
    return this.issue(`client-${cn}`, `/CN=${cn}`);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private issue(name: string, subject: string, extFile?: string): CertPair {
    const key = join(this.dir, `${name}.key`);
    const csr = join(this.dir, `${name}.csr`);
    const cert = join(this.dir, `${name}.crt`);
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", key, "-out", csr]);
    openssl([
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      this.ca,
      "-CAkey",
      this.caKey,
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      cert,
      ...(extFile ? ["-extfile", extFile] : []),
    ]);
    return { cert, key };
  }
}

function openssl(args: string[]): void {
  execFileSync(OPENSSL_BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
}
