/**
 * What a setting name means: a request parameter, one of the file's own settings,
 * or a template variable; and checking a parameter value against the request model.
 */
import { z } from 'zod';
import { llmRequestSchema, requestParameterNames, requestParameterSchemas } from '../../models';

/**
 * Settings the file format itself interprets; they are never sent to the model. `rpm` and `tpm` apply to the whole file;
 * `judge_model` and `judge_provider` choose the grader of `expect: judge` checks.
 */
export const reservedSettingNames = ['api_base', 'data', 'repeat', 'name', 'rpm', 'tpm', 'judge_model', 'judge_provider'] as const;
export type ReservedSettingName = (typeof reservedSettingNames)[number];

export type SettingKind = 'parameter' | 'reserved' | 'variable';

const parameterSet: ReadonlySet<string> = new Set<string>([...requestParameterNames, 'provider']);
const reservedSet: ReadonlySet<string> = new Set<string>(reservedSettingNames);

/** Every name that is not a variable, for did-you-mean suggestions. */
export const knownSettingNames: readonly string[] = [...parameterSet, ...reservedSettingNames];

export function settingKind(key: string): SettingKind {
  if (parameterSet.has(key)) return 'parameter';
  if (reservedSet.has(key)) return 'reserved';
  return 'variable';
}

export function isKnownSetting(key: string): boolean {
  return parameterSet.has(key) || reservedSet.has(key);
}

/**
 * Parameters whose value may itself be a list (`stop`, `tools`): for them a JSON
 * list is the value, and only a list of lists is a sweep. Derived from the schemas
 * so a new list-valued parameter is handled without touching this file.
 */
const listValued: ReadonlySet<string> = new Set(
  requestParameterNames.filter((name) => requestParameterSchemas[name].safeParse([]).success),
);

export function isListValued(key: string): boolean {
  return listValued.has(key);
}

const apiBaseSchema = z.string({ error: 'api_base must be a URL' }).refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { error: (issue) => `api_base must be an http:// or https:// URL (got ${String(issue.input)})` },
);

const repeatSchema = z
  .number({ error: 'repeat must be a number' })
  .refine((value) => Number.isSafeInteger(value) && value > 0, {
    error: (issue) => `repeat must be a positive whole number (got ${String(issue.input)})`,
  });

const textSchema = (name: string) => z.string({ error: `${name} must be text` });

const budgetSchema = (name: string, unit: string) =>
  z.number({ error: `${name} must be a number of ${unit} per minute` }).refine((value) => Number.isFinite(value) && value > 0, {
    error: (issue) => `${name} must be a number of ${unit} per minute above 0 (got ${String(issue.input)})`,
  });

const settingSchemas: Record<string, z.ZodType> = {
  ...requestParameterSchemas,
  provider: llmRequestSchema.shape.provider,
  api_base: apiBaseSchema,
  repeat: repeatSchema,
  data: textSchema('data').min(1, 'data needs a file path'),
  name: textSchema('name'),
  rpm: budgetSchema('rpm', 'requests'),
  tpm: budgetSchema('tpm', 'tokens'),
  judge_model: textSchema('judge_model').min(1, 'judge_model needs a model name'),
  judge_provider: textSchema('judge_provider').min(1, 'judge_provider needs a provider name'),
};

export type CheckResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

function describeIssue(key: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${key} is not valid`;
  const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  const where = `${key}${path}`;
  return issue.message.startsWith(key) ? issue.message : `${where}: ${issue.message}`;
}

/**
 * Checks a value for a parameter or reserved setting with the request model's own
 * schemas. Text that fails but reads as JSON is retried as JSON, so a data column
 * holding `0.7` can feed `@temperature = {{t}}`.
 */
export function checkSettingValue(key: string, value: unknown): CheckResult {
  const schema = settingSchemas[key];
  if (!schema) return { ok: true, value };
  const first = schema.safeParse(value);
  if (first.success) return { ok: true, value: first.data };
  if (typeof value === 'string') {
    const parsed = parseJsonLoosely(value.trim());
    if (parsed !== undefined && typeof parsed.value !== 'string') {
      const second = schema.safeParse(parsed.value);
      if (second.success) return { ok: true, value: second.data };
      return { ok: false, message: describeIssue(key, second.error) };
    }
  }
  return { ok: false, message: describeIssue(key, first.error) };
}

function parseJsonLoosely(text: string): { value: unknown } | undefined {
  if (text === '') return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

