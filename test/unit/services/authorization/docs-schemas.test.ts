import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TObject } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { createAjv } from "../../../../src/config/validate.js";
import { AuthorizeAnswerSchema } from "../../../../src/services/authorization/authorizer.js";
import { registerAuthorizationCommands } from "../../../../src/services/authorization/commands.js";
import type { Authorization } from "../../../../src/services/authorization/index.js";
import { BindAnswerSchema } from "../../../../src/services/binding/answer.js";
import type { EventRecorder } from "../../../../src/services/events.js";
import { CommandRegistry } from "../../../../src/services/uplink/commands/registry.js";

/**
 * docs/schemas for the authorization commands and the `authorize` / `bind` answers are the code's
 * schemas. Regenerate with `UPDATE_SCHEMAS=1 npx vitest run test/unit/services/authorization/docs-schemas.test.ts`.
 */
const DIR = join(import.meta.dirname, "../../../../docs/schemas");

function check(file: string, expected: object): void {
  const path = join(DIR, file);
  if (process.env.UPDATE_SCHEMAS === "1") writeFileSync(path, `${JSON.stringify(expected, null, 2)}\n`);
  expect(existsSync(path)).toBe(true);
  expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(expected);
}

const plain = (schema: TObject): object => JSON.parse(JSON.stringify(schema)) as object;

describe("docs/schemas for authorization and binding", () => {
  const registry = new CommandRegistry();
  const unused = {} as Authorization;
  registerAuthorizationCommands(registry, {
    list: unused.list,
    repo: unused.repo,
    activation: unused.activation,
    events: {} as EventRecorder,
  });
  for (const name of registry.names()) {
    it(`command-${name}.schema.json matches the code`, () => {
      check(`command-${name}.schema.json`, {
        $schema: "http://json-schema.org/draft-07/schema#",
        $id: `https://evsed.dev/schemas/command-${name}.schema.json`,
        ...plain(registry.get(name)?.schema as TObject),
      });
    });
  }

  const answers: [string, TObject, string][] = [
    ["authorize", AuthorizeAnswerSchema, "The backend's answer to req/authorize (OCPP idTagInfo, optional prepaid limits)."],
    ["bind", BindAnswerSchema, "The utility's answer to req/bind: whether the PEV ID validates, and the program parameters."],
  ];
  for (const [name, schema, description] of answers) {
    it(`response-${name}.schema.json matches the code and compiles`, () => {
      const doc = {
        $schema: "http://json-schema.org/draft-07/schema#",
        $id: `https://evsed.dev/schemas/response-${name}.schema.json`,
        title: `res/${name}`,
        description,
        ...plain(schema),
      };
      check(`response-${name}.schema.json`, doc);
      expect(() => createAjv().compile(doc)).not.toThrow();
    });
  }

  it("the request schemas compile", () => {
    for (const f of ["request-authorize", "request-bind"]) {
      expect(() => createAjv().compile(JSON.parse(readFileSync(join(DIR, `${f}.schema.json`), "utf8")) as object)).not.toThrow();
    }
  });
});
