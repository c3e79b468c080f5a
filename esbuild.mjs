// Builds every bundle the product ships and the bundled test suites.
// `node esbuild.mjs` builds the extension and the CLI; flags add the rest:
//   --tests  unit tests (dist/test/unit) and in-host suites (dist/test/host)
//   --bench  the benchmark runner (dist/bench)
//   --watch  rebuild on change
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

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

// Large libraries needed only now and then (the tokenizer's tables are ~4 MB, the Redis
// client ~0.8 MB, the JSON Schema validator ~0.3 MB) get bundles of their own, so every start of the CLI or the extension
// does not parse them: a dynamic import() of one of these loads dist/vendor/<name>.js.
const require = createRequire(import.meta.url);
const lazyVendors = {
  'gpt-tokenizer/encoding/o200k_base': 'o200kBase',
  '@keyv/redis': 'keyvRedis',
  ajv: 'ajv',
};
const lazyVendorPlugin = {
  name: 'lazy-vendors',
  setup(build) {
    build.onResolve({ filter: /^(gpt-tokenizer\/encoding\/o200k_base|@keyv\/redis|ajv)$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: `./vendor/${lazyVendors[args.path]}.js`, external: true } : undefined,
    );
  },
};
const vendorEntries = Object.fromEntries(Object.entries(lazyVendors).map(([module, name]) => [`vendor/${name}`, require.resolve(module)]));

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', plugins: [lazyVendorPlugin] },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, define: { LLMBATCH_VERSION: JSON.stringify(version) }, plugins: [lazyVendorPlugin] },
  { ...node, entryPoints: vendorEntries, outdir: 'dist', sourcemap: false },
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
