/**
 * Filling placeholders into setting values, which may be text or any JSON value
 * with `{{name}}` inside its strings.
 */
import { compileString, render } from '../syntax/template';
import type { Template } from '../syntax/template';

const maxDepth = 64;

/** True when some string inside `value` contains `{{`. Iterative: JSON may nest deeply. */
export function hasPlaceholderText(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (typeof value !== 'object' || value === null) return false;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === 'string') {
      if (next.includes('{{')) return true;
    } else if (Array.isArray(next)) {
      for (const element of next) stack.push(element);
    } else if (typeof next === 'object' && next !== null) {
      for (const element of Object.values(next)) stack.push(element);
    }
  }
  return false;
}

/** Compiled string templates, shared by every request of an expansion. */
export class TemplateCache {
  private readonly templates = new Map<string, Template>();

  get(text: string): Template {
    let template = this.templates.get(text);
    if (!template) {
      template = compileString(text);
      this.templates.set(text, template);
    }
    return template;
  }
}

/** Returns `value` with every string's placeholders filled in. */
export function substituteDeep(value: unknown, lookup: (name: string) => unknown, cache: TemplateCache, depth = 0): unknown {
  if (typeof value === 'string') return value.includes('{{') ? render(cache.get(value), lookup) : value;
  if (depth > maxDepth || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((element: unknown) => substituteDeep(element, lookup, cache, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, element] of Object.entries(value)) {
    Object.defineProperty(result, key, { value: substituteDeep(element, lookup, cache, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return result;
}
