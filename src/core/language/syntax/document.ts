/**
 * The structure of a parsed `.llmbatch` file, before sweeps and data rows are
 * expanded: what the editor needs for outlines, hovers and CodeLens.
 */
import type { Diagnostic } from '../../diagnostics';
import type { ExpectLine } from '../../expect/expectPlan';
import type { SourceRange } from '../../models';
import type { MessageRole } from './lines';
import type { Placeholder, Template } from './template';
import type { SettingValue } from './settingValues';

/** One `@key = value` line (a JSON value may continue over several lines). */
export interface Setting {
  readonly key: string;
  /** From the `@` to the end of the value. */
  readonly range: SourceRange;
  /** The `@key`. */
  readonly keyRange: SourceRange;
  readonly valueRange: SourceRange;
  /** The value as written, trimmed. */
  readonly text: string;
  readonly value: SettingValue;
  /** `{{name}}` occurrences in the value as written. */
  readonly placeholders: readonly Placeholder[];
}

export interface MessageDefinition {
  readonly role: MessageRole;
  /** `user (alice):` — the message `name`; on `tool (call_1):`, the `tool_call_id`. */
  readonly label?: string;
  /** From the role to the end of the last non-blank line of the text. */
  readonly range: SourceRange;
  /** The `role:` (or `role (label):`) at the start of the message. */
  readonly roleRange: SourceRange;
  readonly content: Template;
}

/** Settings and messages of the header or of one block. */
export interface Section {
  readonly range: SourceRange;
  readonly settings: readonly Setting[];
  readonly messages: readonly MessageDefinition[];
  /** `expect:` lines; absent when there are none. */
  readonly expectations?: readonly ExpectLine[];
}

export interface Block extends Section {
  /** 0-based position among the file's blocks. */
  readonly index: number;
  /** The text after `###`, if any. */
  readonly name?: string;
  readonly nameRange?: SourceRange;
  /** The `###` line; for a file without one, an empty range at its start. */
  readonly separatorRange: SourceRange;
  /** True for the single block of a file that has messages but no `###` line. */
  readonly implicit?: boolean;
}

export interface LlmbatchDocument {
  readonly lineCount: number;
  /** Lengths of every line, so callers can check or clamp positions. */
  readonly lineLengths: readonly number[];
  /** Everything before the first `###` line. */
  readonly header: Section;
  readonly blocks: readonly Block[];
  /** Problems visible from the text alone (syntax, JSON, encoding). */
  readonly diagnostics: readonly Diagnostic[];
  /** Set when the text is not readable UTF-8 text; such a file expands to no requests. */
  readonly unreadable?: boolean;
}
