import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, newNonce, panelHtml } from '../../../src/extension/results/panelHtml';
import { Coalescer } from '../../../src/extension/results/coalescer';

describe('results panel HTML', () => {
  const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
  const nonce = newNonce();
  const html = panelHtml({ cspSource, nonce, scriptUri: `${cspSource}/ext/dist/webview/main.js`, styleUri: `${cspSource}/ext/dist/webview/main.css` });

  it('allows only the nonce-carrying script and the extension’s own styles, fonts and images', () => {
    const csp = contentSecurityPolicy(cspSource, nonce);
    const directives = new Map(csp.split(/;\s*/).map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)] as const));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`]);
    for (const name of ['style-src', 'font-src', 'img-src']) assert.deepEqual(directives.get(name), [cspSource], name);
    // Nothing else is allowed anywhere: no remote or data: images, no inline code, no connections.
    assert.deepEqual([...directives.keys()].sort(), ['base-uri', 'default-src', 'font-src', 'form-action', 'img-src', 'script-src', 'style-src']);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|data:|http:|\*/);
    assert.ok(html.includes(`content="${csp}"`));
  });

  it('uses a fresh 128-bit nonce each time', () => {
    const nonces = new Set(Array.from({ length: 20 }, newNonce));
    assert.equal(nonces.size, 20);
    assert.equal(Buffer.from(nonce, 'base64').length, 16);
  });

  it('has exactly one script, carrying the nonce, no inline handlers or styles, and no data', () => {
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0]!.includes(`nonce="${nonce}"`));
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.doesNotMatch(html, /<style|style=/i);
    assert.match(html, /<div id="app"><\/div>/);
  });
});

describe('update coalescing', () => {
  function fakeTimers() {
    const pending: (() => void)[] = [];
    return { pending, timers: { set: (callback: () => void) => pending.push(callback), clear: () => void pending.splice(0) } };
  }

  it('delivers many updates as one batch per interval, each id once', () => {
    const { pending, timers } = fakeTimers();
    const batches: string[][] = [];
    const coalescer = new Coalescer<string>((keys) => batches.push([...keys]), 100, timers);
    coalescer.add(['a', 'b']);
    coalescer.add(['b', 'c']);
    assert.equal(pending.length, 1);
    assert.deepEqual(batches, []);
    pending.shift()!();
    assert.deepEqual(batches, [['a', 'b', 'c']]);
    coalescer.add(['d']);
    coalescer.flush();
    assert.deepEqual(batches, [['a', 'b', 'c'], ['d']]);
  });

  it('drops pending updates on clear', () => {
    const { timers } = fakeTimers();
    const batches: string[][] = [];
    const coalescer = new Coalescer<string>((keys) => batches.push([...keys]), 100, timers);
    coalescer.add(['a']);
    coalescer.clear();
    coalescer.flush();
    assert.deepEqual(batches, []);
  });
});
