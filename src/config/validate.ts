import type { Static, TSchema } from "@sinclair/typebox";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS with `exports.default`; under NodeNext the callable sits on `.default`.
const addFormats = addFormatsModule.default;

/** A validation failure: `source` is the file, topic or variable; `path` a JSON pointer into it. */
export class InputError extends Error {
  constructor(
    readonly source: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${source}: ${path || "/"}: ${problem}`);
    this.name = "InputError";
  }
}

/** An ajv with defaults applied, discriminated unions, all errors collected; scalar coercion on request. */
export function createAjv(opts: { coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, discriminator: true, strict: false, coerceTypes: opts.coerceTypes ?? false });
  addFormats(ajv);
  return ajv;
}

/** Turn ajv errors into one readable line per problem, most specific first. */
export function describeErrors(errors: readonly ErrorObject[]): { path: string; problem: string }[] {
  const out: { path: string; problem: string }[] = [];
  // A union of literals fails once per literal: one line "must be one of …" per path instead.
  const literals = new Map<string, { line: { path: string; problem: string }; values: string[] }>();
  for (const e of errors) {
    // The branch errors of a discriminated union repeat what the chosen branch already said.
    if (e.keyword === "oneOf" || e.keyword === "anyOf" || e.keyword === "if") continue;
    const path = e.instancePath || "/";
    let problem: string;
    switch (e.keyword) {
      case "additionalProperties":
        problem = `unknown key '${String(e.params.additionalProperty)}'`;
        break;
      case "required":
        problem = `missing required key '${String(e.params.missingProperty)}'`;
        break;
      case "enum":
        problem = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
        break;
      case "const": {
        const value = JSON.stringify(e.params.allowedValue);
        const seen = literals.get(path);
        if (seen) {
          seen.values.push(value);
          seen.line.problem = `must be one of ${seen.values.join(", ")}`;
          continue;
        }
        const line = { path, problem: `must be ${value}` };
        literals.set(path, { line, values: [value] });
        out.push(line);
        continue;
      }
      case "discriminator":
        problem =
          e.params.error === "mapping"
            ? `unknown ${String(e.params.tag)} ${JSON.stringify(e.params.tagValue)}`
            : `${String(e.params.tag)} must be a string`;
        break;
      default:
        problem = e.message ?? e.keyword;
    }
    if (!out.some((o) => o.path === path && o.problem === problem)) out.push({ path, problem });
  }
  return out;
}

/** A compiled validator that throws one InputError naming the source, path and problem(s). */
export class Validator<S extends TSchema> {
  private fn: ValidateFunction | undefined;

  /**
   * Compiling happens at the first `check`, not here: modules declare their validators at load time,
   * and a CLI command should not pay for the schemas it never uses.
   */
  constructor(
    readonly schema: S,
    private readonly makeAjv: () => Ajv = createAjv,
  ) {}

  /** Validates in place (filling defaults) and returns the typed value, or throws InputError. */
  check(value: unknown, source: string): Static<S> {
    this.fn ??= this.makeAjv().compile(this.schema);
    if (this.fn(value)) return value as Static<S>;
    const problems = describeErrors(this.fn.errors ?? []);
    const first = problems[0] ?? { path: "/", problem: "invalid" };
    const rest =
      problems.length > 1
        ? ` (and ${problems.length - 1} more: ${problems
            .slice(1, 4)
            .map((p) => `${p.path}: ${p.problem}`)
            .join("; ")})`
        : "";
    throw new InputError(source, first.path, first.problem + rest);
  }
}
