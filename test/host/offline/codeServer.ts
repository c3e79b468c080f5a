/**
 * Starts code-server on a free loopback port, isolated from the machine's own
 * VS Code settings and from the network, in its own process group so that
 * stopping it also ends its extension hosts and file watchers.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { CodeServerInstall } from './installCodeServer';

export interface CodeServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Where the server's own output goes; worth reading when the workbench misbehaves. */
  readonly logFile: string;
  /** Ends the server's whole process group; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly install: CodeServerInstall;
  /** Folder the workbench opens. */
  readonly workspace: string;
  /** Scratch folder for user data, extensions and logs; the caller removes it. */
  readonly scratchDir: string;
  readonly startTimeoutMs?: number;
  /** Extra environment for the server and so for its extension hosts (and the suite inside). */
  readonly env?: Readonly<Record<string, string>>;
}

/** User settings that keep the workbench quiet, offline and free of extra processes. */
export const isolatedUserSettings = {
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'npm.autoDetect': 'off',
};

/** Starts code-server and resolves once it answers HTTP requests. */
export async function startCodeServer(options: StartOptions): Promise<CodeServer> {
  const dirs = {
    userData: join(options.scratchDir, 'user-data'),
    extensions: join(options.scratchDir, 'extensions'),
    config: join(options.scratchDir, 'xdg-config'),
    data: join(options.scratchDir, 'xdg-data'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(isolatedUserSettings, null, 2));

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const logFile = join(options.scratchDir, 'code-server.log');
  const output = createWriteStream(logFile);
  // prettier-ignore
  const args = [
    options.install.entryScript,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--reconnection-grace-time', '5',
    // A release build ignores the test payload in the URL unless this is on.
    '--vscode-option', 'enable-smoke-test-driver',
    options.workspace,
  ];
  const child = spawn(options.install.nodeBinary, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      XDG_CONFIG_HOME: dirs.config,
      XDG_DATA_HOME: dirs.data,
      // An empty gallery keeps the server from contacting a marketplace.
      EXTENSIONS_GALLERY: '{}',
      ...options.env,
    },
  });
  child.stdout.pipe(output);
  child.stderr.pipe(output);

  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.on('error', (error) => {
      exited = error.message;
      resolve();
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child.pid, 'SIGTERM');
    const ended = await Promise.race([exit.then(() => true), delay(5000).then(() => false)]);
    // The group may outlive its leader (extension hosts, watchers): always sweep it.
    killGroup(child.pid, 'SIGKILL');
    if (!ended) await Promise.race([exit, delay(2000)]);
    output.end();
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await answers(`${origin}/healthz`))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop();
      const reason = exited !== undefined ? `exited (${exited})` : `did not answer on ${origin} in time`;
      throw new Error(`code-server ${reason}. Its output:\n${lastLines(logFile, 30)}`);
    }
    await delay(200);
  }
  return { origin, logFile, stop };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function lastLines(file: string, count: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-count).join('\n');
  } catch {
    return '(no output)';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
