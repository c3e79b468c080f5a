/**
 * JSON Schema validation for `schema` checks through ajv, which is loaded only
 * when a run has such a check (it is a bundle of its own, like the tokenizer),
 * and each schema compiled once however many answers it validates.
 */
import type { ValidateFunction } from 'ajv';

type AjvInstance = import('ajv').default;

export type SchemaVerdict = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly invalidSchema?: true };

const maxErrorsShown = 3;

export class SchemaValidators {
  private readonly byObject = new WeakMap<object, ValidateFunction | Error>();
  private readonly byText = new Map<string, ValidateFunction | Error>();

  private constructor(private readonly ajv: AjvInstance) {}

  /** Loads ajv; the validators it makes are strict about schemas and leave `format` unchecked. */
  static async load(): Promise<SchemaValidators> {
    const module = await import('ajv');
    // The bundle's CommonJS default export is the class itself, or sits on `default`.
    const exported = module.default as unknown as { default?: typeof module.default } & typeof module.default;
    const Ajv = exported.default ?? exported;
    return new SchemaValidators(new Ajv({ strict: true, allErrors: true, validateFormats: false }));
  }

  /** Whether `value` is valid under `schema`; a schema ajv refuses makes an `invalidSchema` verdict. */
  validate(schema: unknown, value: unknown): SchemaVerdict {
    const validator = this.validatorFor(schema);
    if (validator instanceof Error) return { ok: false, message: `the schema is not a valid JSON Schema: ${validator.message}`, invalidSchema: true };
    if (validator(value)) return { ok: true };
    const errors = validator.errors ?? [];
    const shown = errors.slice(0, maxErrorsShown).map((error) => `${error.instancePath === '' ? 'the value' : error.instancePath} ${error.message ?? 'is invalid'}`);
    const more = errors.length > maxErrorsShown ? ` (and ${errors.length - maxErrorsShown} more)` : '';
    return { ok: false, message: `${shown.join('; ')}${more}` };
  }

  private validatorFor(schema: unknown): ValidateFunction | Error {
    const isObject = typeof schema === 'object' && schema !== null;
    if (isObject) {
      const known = this.byObject.get(schema);
      if (known) return known;
    }
    // Requests built from data rows may carry equal schemas in distinct objects.
    const text = JSON.stringify(schema) ?? 'undefined';
    let validator = this.byText.get(text);
    if (!validator) {
      try {
        validator = typeof schema === 'boolean' || isObject ? this.ajv.compile(schema as object) : new Error('a schema is an object or true/false');
      } catch (error) {
        validator = error instanceof Error ? error : new Error(String(error));
      }
      this.byText.set(text, validator);
    }
    if (isObject) this.byObject.set(schema, validator);
    return validator;
  }
}
