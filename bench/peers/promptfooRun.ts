/**
 * promptfoo as a batch runner: the same requests as test cases of one chat
 * prompt, its OpenAI provider pointed at the mock, with telemetry, update
 * checks, sharing, caching and result writing off.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchModel, systemText, userText } from '../data/batchFiles';
import type { ClientSpec } from '../scenarios/clientRuns';
import { clientEnv } from '../scenarios/clientRuns';

export interface PromptfooSpecOptions {
  readonly root: string;
  readonly node22: string;
  /** promptfoo's CLI entry script. */
  readonly entry: string;
  readonly version: string;
  readonly workDir: string;
  readonly baseUrl: string;
  readonly count: number;
  readonly concurrency: number;
}

function csvField(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

export function promptfooSpec(options: PromptfooSpecOptions): ClientSpec {
  const dir = join(options.workDir, 'promptfoo');
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(dir, 'prompt.json'), JSON.stringify([{ role: 'system', content: systemText }, { role: 'user', content: '{{prompt}}' }], null, 2));
  const rows = ['prompt'];
  for (let index = 0; index < options.count; index++) rows.push(csvField(userText(index)));
  writeFileSync(join(dir, 'tests.csv'), `${rows.join('\n')}\n`);
  // JSON is valid YAML, and needs no quoting rules.
  const config = {
    description: 'llmbatch benchmark peer',
    prompts: ['file://prompt.json'],
    providers: [{ id: `openai:chat:${benchModel}`, config: { apiBaseUrl: options.baseUrl, apiKey: 'bench-no-key', max_tokens: 64 } }],
    tests: 'file://tests.csv',
  };
  const configPath = join(dir, 'promptfooconfig.yaml');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const guard = join(options.root, 'dist', 'bench', 'clients', 'loopbackGuard.js');
  return {
    label: `promptfoo ${options.version} (Node 22)`,
    command: options.node22,
    args: ['--require', guard, options.entry, 'eval', '-c', configPath, '--no-write', '--no-cache', '--no-share', '--no-table', '--no-progress-bar', '--max-concurrency', String(options.concurrency)],
    env: clientEnv({
      PROMPTFOO_DISABLE_TELEMETRY: '1',
      PROMPTFOO_DISABLE_UPDATE: '1',
      PROMPTFOO_DISABLE_SHARING: '1',
      PROMPTFOO_DISABLE_REMOTE_GENERATION: 'true',
      PROMPTFOO_CONFIG_DIR: home,
      PROMPTFOO_CACHE_ENABLED: 'false',
      OPENAI_API_KEY: 'bench-no-key',
      NO_COLOR: '1',
      CI: '1',
    }),
    // promptfoo exits non-zero when a test case "fails"; with no assertions none should, but the server counts answers anyway.
    okExitCodes: [0, 100],
  };
}
