/**
 * Entry point VS Code's test harness loads into the extension host
 * (`--extensionTestsPath` on desktop, the `extensionTestsPath` payload on the web).
 * Runs every `*.test.js` beside this file with mocha.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/** Runs the suite; rejects when any test failed. Prints `host suite: N passed, M failed` last. */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 20_000 });
  const grep = process.env.LLMBATCH_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const name of readdirSync(__dirname).sort()) {
    if (name.endsWith('.test.js')) mocha.addFile(join(__dirname, name));
  }
  return new Promise((resolve, reject) => {
    mocha
      .loadFilesAsync()
      .then(() => {
        const runner = mocha.run((failures) => {
          console.log(`host suite: ${runner.stats?.passes ?? 0} passed, ${failures} failed`);
          if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
          else resolve();
        });
      })
      .catch((error: unknown) => {
        console.error('The host suite failed to load:', error);
        console.log('host suite: 0 passed, 1 failed');
        reject(error instanceof Error ? error : new Error(String(error)));
      });
  });
}
