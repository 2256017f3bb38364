import { type Static, type TObject, type TProperties, Type } from "@sinclair/typebox";
import { createAjv, Validator } from "../../../config/validate.js";

/** Why a command was not carried out: the `error.code` of a `rejected` result. */
export type RejectionCode = "tooLarge" | "malformed" | "invalid" | "unknownCommand" | "replayed" | "expired" | "refused";

/**
 * Thrown by a handler (or the dispatcher) to answer `rejected`: the station did not do what was asked
 * and nothing changed. Any other error thrown by a handler answers `error`.
 */
export class CommandRejected extends Error {
  constructor(
    message: string,
    readonly code: RejectionCode = "refused",
  ) {
    super(message);
    this.name = "CommandRejected";
  }
}

/** What a handler may use besides its payload. */
export interface CommandContext {
  readonly cmdId: string;
  readonly name: string;
  /** Run `fn` once the result has been published (or failed to): e.g. a reboot after answering. */
  afterAnswer(fn: () => void): void;
}

/**
 * One command. `schema` describes the command's own fields; the envelope (`cmdId`, `expiresAt`) is
 * added by the registry and unknown keys are rejected. The handler returns the result's `data`
 * (undefined for none) or throws `CommandRejected`.
 */
export interface CommandDefinition<P extends TProperties> {
  readonly name: string;
  readonly description: string;
  readonly schema: TObject<P>;
  handler(payload: Static<TObject<P>>, ctx: CommandContext): unknown;
}

/** The envelope every command carries. */
export const CommandEnvelope = {
  cmdId: Type.String({ minLength: 1, maxLength: 64, description: "Unique per command; a cmdId seen before is rejected as a replay." }),
  expiresAt: Type.Optional(
    Type.String({ format: "date-time", description: "ISO 8601; a command arriving after this instant is rejected." }),
  ),
};

export interface RegisteredCommand {
  readonly name: string;
  readonly description: string;
  /** The whole payload schema: envelope plus the command's fields. */
  readonly schema: TObject;
  readonly validator: Validator<TObject>;
  handler(payload: Record<string, unknown>, ctx: CommandContext): unknown;
}

/**
 * The commands the station accepts on `cmd/<name>`. Services add theirs at start-up; names are unique
 * and must be a single topic level. Registration compiles the schema once.
 */
export class CommandRegistry {
  private readonly commands = new Map<string, RegisteredCommand>();
  private readonly ajv = createAjv();

  add<P extends TProperties>(def: CommandDefinition<P>): void {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(def.name)) throw new Error(`command name '${def.name}' is not a valid topic level`);
    if (this.commands.has(def.name)) throw new Error(`command '${def.name}' is already registered`);
    for (const key of Object.keys(CommandEnvelope)) {
      if (key in def.schema.properties) throw new Error(`command '${def.name}' must not define the envelope field '${key}'`);
    }
    const properties: TProperties = { ...CommandEnvelope, ...def.schema.properties };
    const schema: TObject = Type.Object(properties, { additionalProperties: false, title: def.name, description: def.description });
    this.commands.set(def.name, {
      name: def.name,
      description: def.description,
      schema,
      validator: new Validator(schema, () => this.ajv),
      handler: def.handler as RegisteredCommand["handler"],
    });
  }

  get(name: string): RegisteredCommand | undefined {
    return this.commands.get(name);
  }

  names(): string[] {
    return [...this.commands.keys()].sort();
  }
}
