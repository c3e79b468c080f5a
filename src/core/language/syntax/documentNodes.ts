/**
 * The parser's implementations of the document shapes. Positions are kept as
 * plain numbers and `SourceRange` objects are made only when read: a long file
 * has millions of ranges and almost none are ever shown, so building them up
 * front was most of what a parse cost.
 */
import type { SourceRange } from '../../models';
import type { ExpectLine } from '../../expect/expectPlan';
import type { Block, MessageDefinition, Setting } from './document';
import type { MessageRole } from './lines';
import { lineRange, spanRange } from './lines';
import type { Placeholder, Template } from './template';
import type { SettingValue } from './settingValues';

/**
 * One setting: `@key` at `line`:`start`, its value from `line`:`valueStart` to
 * `endLine`:`endColumn` (the setting ends where its value does).
 */
export class SettingNode implements Setting {
  constructor(
    readonly key: string,
    readonly text: string,
    readonly value: SettingValue,
    readonly placeholders: readonly Placeholder[],
    /** The line of the `@`: reading the setting there again gives an equal one. */
    readonly line: number,
    private readonly start: number,
    private readonly valueStart: number,
    private readonly endLine: number,
    private readonly endColumn: number,
  ) {}

  get range(): SourceRange {
    return spanRange(this.line, this.start, this.endLine, this.endColumn);
  }

  get keyRange(): SourceRange {
    return lineRange(this.line, this.start, this.start + 1 + this.key.length);
  }

  get valueRange(): SourceRange {
    return spanRange(this.line, this.valueStart, this.endLine, this.endColumn);
  }

  /** Serialises as the plain setting it stands for. */
  toJSON(): Setting {
    return { key: this.key, range: this.range, keyRange: this.keyRange, valueRange: this.valueRange, text: this.text, value: this.value, placeholders: this.placeholders };
  }
}

export class MessageNode implements MessageDefinition {
  constructor(
    readonly role: MessageRole,
    readonly label: string | undefined,
    readonly content: Template,
    private readonly line: number,
    private readonly roleEnd: number,
    /** -1 for an empty message, whose range is its role. */
    private readonly endLine: number,
    private readonly endColumn: number,
  ) {}

  get range(): SourceRange {
    return this.endLine < 0 ? this.roleRange : spanRange(this.line, 0, this.endLine, this.endColumn);
  }

  get roleRange(): SourceRange {
    return lineRange(this.line, 0, this.roleEnd);
  }

  /** Serialises as the plain message definition it stands for. */
  toJSON(): MessageDefinition {
    return { role: this.role, label: this.label, range: this.range, roleRange: this.roleRange, content: this.content };
  }
}

export class BlockNode implements Block {
  constructor(
    readonly index: number,
    readonly name: string | undefined,
    readonly settings: readonly Setting[],
    readonly messages: readonly MessageDefinition[],
    private readonly line: number,
    private readonly nameColumn: number,
    private readonly separatorLength: number,
    private readonly endLine: number,
    private readonly endColumn: number,
    readonly expectations?: readonly ExpectLine[],
  ) {}

  get range(): SourceRange {
    return spanRange(this.line, 0, this.endLine, this.endColumn);
  }

  get nameRange(): SourceRange | undefined {
    return this.name === undefined ? undefined : lineRange(this.line, this.nameColumn, this.nameColumn + this.name.length);
  }

  get separatorRange(): SourceRange {
    return lineRange(this.line, 0, this.separatorLength);
  }

  /** Serialises as the plain block it stands for. */
  toJSON(): Block {
    const { index, name, nameRange, separatorRange, range, settings, messages, expectations } = this;
    return expectations ? { index, name, nameRange, separatorRange, range, settings, messages, expectations } : { index, name, nameRange, separatorRange, range, settings, messages };
  }
}
