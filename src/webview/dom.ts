/**
 * Element construction for the results app. Text only ever goes in through
 * `textContent`: answers, prompts and errors are untrusted and must never be
 * parsed as HTML.
 */

export interface ElementOptions {
  readonly className?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: readonly (Node | undefined | false)[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  if (options.title !== undefined) element.title = options.title;
  if (options.attrs) for (const [name, value] of Object.entries(options.attrs)) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

export function button(label: string, onClick: (event: MouseEvent) => void, options: ElementOptions = {}): HTMLButtonElement {
  const element = h('button', { ...options, text: label, attrs: { type: 'button', ...options.attrs } });
  element.addEventListener('click', onClick);
  return element;
}

export function option(value: string, label: string, selected = false): HTMLOptionElement {
  const element = h('option', { text: label, attrs: { value } });
  element.selected = selected;
  return element;
}

/** Replaces the children of `parent`. */
export function setChildren(parent: Element, children: readonly (Node | undefined | false)[]): void {
  parent.replaceChildren(...children.filter((child): child is Node => Boolean(child)));
}
