/**
 * Text from outside — a server's error message, an id from a data file — made
 * safe to print on a terminal or write to a log. A terminal obeys control
 * characters wherever they come from: `ESC ] 0;…BEL` retitles the window,
 * `ESC [2J` clears the screen, a bare `\r` or a newline draws a fake line
 * over the real ones, and bidi overrides reorder what is read. Each such
 * character is written as a visible escape (`\x1b`, `\r`, `\u202e`) instead,
 * so what the server sent can still be read.
 *
 * Only human-facing text goes through here: JSON output escapes control
 * characters itself and must keep the answer exact.
 */

// C0 controls but tab and newline, DEL, C1 controls (8-bit CSI and OSC among them), and the bidi controls.
const unsafe = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const unsafeOrNewline = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const named: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\x1b': '\\x1b' };

function visible(char: string): string {
  const known = named[char];
  if (known) return known;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` for one line of a terminal or log: every control character, newlines
 * included, written as a visible escape. Tabs are kept.
 */
export function printable(text: string): string {
  return text.replace(unsafeOrNewline, visible);
}

/** Like {@link printable}, but keeps newlines: for text that is meant to span lines. */
export function printableLines(text: string): string {
  return text.replace(unsafe, visible);
}
