/**
 * The results webview's HTML: an empty page that loads the bundled app under
 * a strict Content Security Policy. No run data is ever written into it; the
 * app receives everything by message after it says `ready`.
 */
import { randomBytes } from 'node:crypto';

export interface PanelHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** `webview.asWebviewUri(…)` of dist/webview/main.js and main.css, as strings. */
  readonly scriptUri: string;
  readonly styleUri: string;
  /** A fresh {@link newNonce} per load. */
  readonly nonce: string;
}

/** 128 random bits, base64: the only scripts that run are those carrying it. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Scripts only by nonce; styles, fonts and images only from the extension's own
 * files — so a prompt-injected `![](https://…)` in an answer can load nothing.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function panelHtml(options: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(contentSecurityPolicy(options.cspSource, options.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(options.styleUri)}">
<title>LLM Batch Results</title>
</head>
<body>
<div id="app"></div>
<script nonce="${attribute(options.nonce)}" src="${attribute(options.scriptUri)}"></script>
</body>
</html>
`;
}
