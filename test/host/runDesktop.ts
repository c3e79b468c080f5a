/**
 * Runs the in-host suite in desktop VS Code through @vscode/test-electron, for
 * machines that can download VS Code (`VSCODE_VERSION` picks one; default stable).
 * The offline runner (runOffline.ts) runs the same suite in a browser workbench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { findRepoRoot } from './offline/repoRoot';

async function main(): Promise<number> {
  const root = findRepoRoot(__dirname);
  const userData = mkdtempSync(join(tmpdir(), 'llmbatch-desktop-'));
  try {
    return await runTests({
      version: process.env.VSCODE_VERSION,
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'dist', 'test', 'host', 'suite', 'index.js'),
      extensionTestsEnv: process.env.LLMBATCH_TEST_GREP ? { LLMBATCH_TEST_GREP: process.env.LLMBATCH_TEST_GREP } : {},
      launchArgs: [
        join(root, 'test', 'host', 'fixtures', 'workspace'),
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${join(userData, 'user-data')}`,
        `--extensions-dir=${join(userData, 'extensions')}`,
      ],
    });
  } finally {
    rmSync(userData, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Desktop VS Code tests could not run: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Without access to VS Code downloads, use `npm run test:host` (code-server + Chromium) instead.');
    process.exit(1);
  },
);
