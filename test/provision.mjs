// Makes sure the machine has what the tests need beyond npm packages, before `npm test` builds
// anything: Chromium (browser tests), redis-server (shared-cache tests) and, until code-server
// is installed in .vscode-test/, the tools its native modules build with. As root with apt-get
// (a fresh Debian machine, CI) the missing Debian packages are installed; otherwise one line
// says exactly what to install and the tests do not start, rather than failing halfway.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

function codeServerInstalled() {
  const cache = join(root, '.vscode-test');
  if (!existsSync(cache)) return false;
  return readdirSync(cache).some((name) => name.startsWith('code-server-') && existsSync(join(cache, name, '.install-complete.json')));
}

const chromiumPath = process.env.LLMBATCH_CHROMIUM ?? '/usr/bin/chromium';
const needs = [
  { deb: 'chromium', why: 'browser tests of the results panel', present: () => existsSync(chromiumPath) },
  { deb: 'redis-server', why: 'shared-cache tests', present: () => onPath('redis-server') },
];
if (!codeServerInstalled()) {
  const why = 'building code-server for the in-host tests';
  needs.push(
    { deb: 'make', why, present: () => onPath('make') },
    { deb: 'g++', why, present: () => onPath('g++') },
    { deb: 'python3', why, present: () => onPath('python3') },
    { deb: 'pkg-config', why, present: () => onPath('pkg-config') },
    { deb: 'libkrb5-dev', why, present: () => existsSync('/usr/include/gssapi/gssapi.h') },
  );
}

const missing = needs.filter((need) => !need.present());
if (missing.length === 0) process.exit(0);

const names = missing.map((need) => need.deb);
const reasons = [...new Set(missing.map((need) => need.why))].join('; ');
const canInstall = process.platform === 'linux' && process.getuid?.() === 0 && onPath('apt-get');
if (!canInstall) {
  console.error(`npm test needs what is not installed: ${names.join(', ')} (${reasons}). Debian/Ubuntu: sudo apt-get install -y ${names.join(' ')} — or run npm test as root, which installs them.`);
  process.exit(1);
}

console.log(`Installing ${names.join(' ')} for the tests (${reasons})…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', ...names]]) {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`apt-get ${args[0]} failed (exit ${result.status ?? result.signal}): the tests need ${names.join(', ')}.`);
    process.exit(1);
  }
}
const stillMissing = missing.filter((need) => !need.present()).map((need) => need.deb);
if (stillMissing.length > 0) {
  console.error(`Still missing after apt-get install: ${stillMissing.join(', ')}.`);
  process.exit(1);
}
