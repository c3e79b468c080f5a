/** What expanding a `.llmbatch` document produces, and the options it takes. */
import type { Diagnostic } from '../../diagnostics';
import type { BatchItem, SourceRange } from '../../models';
import type { SettingKind } from '../settings/parameters';

export interface ExpandOptions {
  /** The `.llmbatch` file's path: data paths are relative to its folder, and item sources carry it. */
  readonly fileName?: string;
  /** Used by blocks that set no `@provider`. */
  readonly defaultProvider?: string;
  /** Reads a data file as UTF-8 text; defaults to `fs.readFileSync(path, 'utf8')`. Throws as `fs` does. */
  readonly readFile?: (absolutePath: string) => string;
  /** Folder for relative `@data` paths; defaults to the file's folder, else the working directory. */
  readonly baseDir?: string;
  /** Blocks that would take the file past this many requests are not expanded; defaults to 100 000. */
  readonly maxRequests?: number;
}

/** An `@api_base` the file asks for; whether to honour it is the caller's decision. */
export interface ApiBaseSetting {
  readonly value: string;
  readonly range: SourceRange;
}

export interface LlmbatchItem extends BatchItem {
  readonly apiBase?: ApiBaseSetting;
}

/** A setting as it applies to one block, for hovers. */
export interface ResolvedSetting {
  readonly key: string;
  readonly kind: SettingKind;
  /** Where the setting is written: the file header or the block itself. */
  readonly origin: 'header' | 'block';
  readonly range: SourceRange;
  readonly valueRange: SourceRange;
  /** The single value, when the setting is not a sweep (absent when it is `{{…}}` or invalid). */
  readonly value?: unknown;
  /** Every value of a sweep. */
  readonly sweep?: readonly unknown[];
  /** The variable a `{{name}}` value takes its value from. */
  readonly reference?: string;
}

export interface BlockSummary {
  readonly name: string;
  readonly index: number;
  readonly range: SourceRange;
  readonly separatorRange: SourceRange;
  /** Requests the block describes: the product of its sweeps, data rows and repeats. */
  readonly requestCount: number;
  /** Requests actually produced (fewer when some have errors); they are `items[firstItem … firstItem + itemCount)`. */
  readonly itemCount: number;
  readonly firstItem: number;
  /** Settings in effect, header ones included, in the order they vary in ids. */
  readonly settings: readonly ResolvedSetting[];
  readonly data?: { readonly path: string; readonly rows: number; readonly columns: readonly string[] };
  readonly repeat: number;
}

/** The file's `@rpm` / `@tpm`: budgets per minute its requests stay under. */
export interface FileRateLimits {
  readonly rpm?: number;
  readonly tpm?: number;
}

export interface ExpansionResult {
  readonly items: LlmbatchItem[];
  /** Set when the header sets `@rpm` or `@tpm`. */
  readonly rateLimits?: FileRateLimits;
  /** The document's own diagnostics and those found while expanding, in order of position. */
  readonly diagnostics: Diagnostic[];
  readonly blocks: BlockSummary[];
}
