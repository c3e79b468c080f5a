/**
 * Folding for `.llmbatch` files from the parsed structure rather than indentation:
 * each block from its `###` line to its last line, and inside it every message or
 * JSON value that spans several lines.
 */
import type { LlmbatchDocument, Section } from '../../core/language/syntax/document';

export interface FoldingRegion {
  readonly start: number;
  readonly end: number;
}

function innerRegions(section: Section, regions: FoldingRegion[]): void {
  for (const setting of section.settings) {
    if (setting.range.endLine > setting.range.startLine) regions.push({ start: setting.range.startLine, end: setting.range.endLine });
  }
  for (const message of section.messages) {
    if (message.range.endLine > message.range.startLine) regions.push({ start: message.range.startLine, end: message.range.endLine });
  }
}

export function foldingRegions(document: LlmbatchDocument): FoldingRegion[] {
  const regions: FoldingRegion[] = [];
  const { header } = document;
  if (header.range.endLine > header.range.startLine) regions.push({ start: header.range.startLine, end: header.range.endLine });
  innerRegions(header, regions);
  for (const block of document.blocks) {
    if (!block.implicit && block.range.endLine > block.range.startLine) regions.push({ start: block.range.startLine, end: block.range.endLine });
    innerRegions(block, regions);
  }
  return regions.sort((a, b) => a.start - b.start || b.end - a.end);
}
