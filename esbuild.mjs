// Builds every bundle the product ships and the bundled test suites.
// `node esbuild.mjs` builds the extension and the CLI; flags add the rest:
//   --tests  unit tests (dist/test/unit) and in-host suites (dist/test/host)
//   --bench  the benchmark runner (dist/bench)
//   --watch  rebuild on change
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const version = JSON.parse(readFileSync('package.json', 'utf8')).version;

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

/** Lists files under `dir` (recursively) whose names end with `suffix`. */
function filesEndingWith(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesEndingWith(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}

// Node 20 is the floor (CLI, CI); VS Code's extension host runs 22+.
const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  external: ['vscode'],
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, define: { LLMBATCH_VERSION: JSON.stringify(version) } },
];
if (existsSync('src/webview/main.ts')) {
  builds.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
    entryPoints: { main: 'src/webview/main.ts' },
    outdir: 'dist/webview',
  });
}
if (args.has('--tests')) {
  const unit = filesEndingWith('test/unit', '.test.ts');
  // The tokenizer's tables are megabytes: every suite that reaches the engine would parse them at start-up.
  builds.push({ ...node, entryPoints: unit, outbase: 'test', outdir: 'dist/test', external: [...node.external, 'gpt-tokenizer'] });
  const host = [...filesEndingWith('test/host', '.ts')].filter((f) => !f.endsWith('.d.ts'));
  if (host.length) builds.push({ ...node, entryPoints: host, outbase: 'test', outdir: 'dist/test', external: ['vscode', 'playwright-core', 'mocha'] });
  const mock = filesEndingWith('test/mock', '.ts');
  if (mock.length) builds.push({ ...node, entryPoints: mock, outbase: 'test', outdir: 'dist/test' });
}
if (args.has('--bench')) {
  const bench = filesEndingWith('bench', '.ts');
  if (bench.length) builds.push({ ...node, entryPoints: bench, outbase: '.', outdir: 'dist' });
}

if (args.has('--watch')) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
