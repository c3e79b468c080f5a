import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.cwd();
const dist = join(root, 'dist');

describe('shipped bundles', () => {
  // Every start of the CLI and of the extension parses its whole bundle; the tokenizer's
  // tables and the Redis client are loaded from bundles of their own only when needed.
  for (const bundle of ['cli.js', 'extension.js']) {
    it(`${bundle} leaves the tokenizer, the Redis client and the JSON Schema validator to lazily loaded vendor bundles`, () => {
      const text = readFileSync(join(dist, bundle), 'utf8');
      assert.match(text, /import\("\.\/vendor\/o200kBase\.js"\)/);
      assert.match(text, /import\("\.\/vendor\/keyvRedis\.js"\)/);
      assert.match(text, /import\("\.\/vendor\/ajv\.js"\)/);
      assert.doesNotMatch(text, /strictTuples/);
      assert.ok(statSync(join(dist, bundle)).size < 2_500_000, `${bundle} is ${statSync(join(dist, bundle)).size} bytes`);
    });
  }

  it('the vendor bundles load on their own and give what the product imports from them', () => {
    // Copied away from node_modules: nothing may be missing that the .vsix would lack.
    const alone = mkdtempSync(join(tmpdir(), 'llmbatch-vendor-'));
    for (const name of ['o200kBase.js', 'keyvRedis.js', 'ajv.js']) copyFileSync(join(dist, 'vendor', name), join(alone, name));
    const script = `
      const tokenizer = require('./o200kBase.js');
      const redis = require('./keyvRedis.js');
      const ajv = require('./ajv.js');
      const Ajv = ajv.default ?? ajv;
      const valid = new Ajv().compile({ type: 'object', required: ['a'] })({ a: 1 });
      process.stdout.write(JSON.stringify([tokenizer.countTokens('hello world'), typeof redis.default, typeof redis.createClient, valid]));
    `;
    try {
      const output = execFileSync(process.execPath, ['-e', script], { cwd: alone, env: { ...process.env, NODE_PATH: '' } }).toString();
      assert.deepEqual(JSON.parse(output), [2, 'function', 'function', true]);
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });

  it('the .vsix keeps the vendor bundles beside the extension', () => {
    const ignore = readFileSync(join(root, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!dist/extension.js'));
    assert.ok(ignore.includes('!dist/vendor/*.js'));
  });
});
