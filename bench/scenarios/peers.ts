/**
 * Scenario 3: llmbatch against what people use instead — the openai SDK under
 * p-limit, and promptfoo — on the same server, batch and concurrency, cache
 * off. Peers are installed on demand into `.bench-peers/`; one that cannot be
 * installed is reported as such.
 */
import { join } from 'node:path';
import type { ScenarioBody, ScenarioContext, TargetCheck } from '../report/scenarioReport';
import { formatMsSummary, formatRate, formatRatio } from '../report/stats';
import { writeJsonlBatch } from '../data/batchFiles';
import { ServerProcess } from '../processes/serverProcess';
import type { ProcessRun } from '../processes/measureProcess';
import { ensureNode22, ensureOpenAISdk, ensurePromptfoo } from '../peers/peerPackages';
import type { Installed } from '../peers/peerPackages';
import { promptfooSpec } from '../peers/promptfooRun';
import type { ClientResult, ClientSpec } from './clientRuns';
import { floorSpec, llmbatchSpec, openaiSdkSpec, runClients } from './clientRuns';

interface Peer {
  readonly label: string;
  readonly install: Installed<ClientSpec>;
}

function unavailable(label: string, reason: string): Peer {
  return { label, install: { ok: false, reason } };
}

export async function peersScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  const count = ctx.quick ? 300 : 3000;
  const concurrency = 100;
  const input = join(ctx.workDir, `batch-${count}.jsonl`);
  writeJsonlBatch(input, count);
  const server = await ServerProcess.mock({ root: ctx.root, latencyMs: 0 });
  try {
    const common = { root: ctx.root, input, baseUrl: server.baseUrl, concurrency };
    const out = (name: string) => join(ctx.workDir, `${name}.out.jsonl`);
    const floor = floorSpec({ ...common, out: out('floor') });
    const cli = llmbatchSpec({ ...common, label: 'llmbatch run --no-cache', out: out('llmbatch'), cache: 'off' });

    const peers: Peer[] = [];
    const sdk = await ensureOpenAISdk(ctx.root, 'openai', process.execPath, ctx.log);
    const sdkLabel = (version: string, node: string) => `openai ${version} + p-limit (${node})`;
    const ownNode = `Node ${process.versions.node.split('.')[0]}`;
    peers.push(
      sdk.ok
        ? { label: sdkLabel(sdk.version, ownNode), install: { ok: true, version: sdk.version, value: openaiSdkSpec({ ...common, label: sdkLabel(sdk.version, ownNode), node: process.execPath, packages: sdk.value, out: out('openai') }) } }
        : unavailable('openai SDK + p-limit', sdk.reason),
    );
    const node22 = await ensureNode22(ctx.root, ctx.log);
    if (node22.ok) {
      const latest = await ensureOpenAISdk(ctx.root, 'openaiLatest', node22.value, ctx.log);
      peers.push(
        latest.ok
          ? { label: sdkLabel(latest.version, 'Node 22'), install: { ok: true, version: latest.version, value: openaiSdkSpec({ ...common, label: sdkLabel(latest.version, 'Node 22'), node: node22.value, packages: latest.value, out: out('openai-latest') }) } }
          : unavailable('openai SDK (latest) + p-limit', latest.reason),
      );
      const promptfoo = await ensurePromptfoo(ctx.root, node22.value, ctx.log);
      peers.push(
        promptfoo.ok
          ? {
              label: `promptfoo ${promptfoo.version}`,
              install: { ok: true, version: promptfoo.version, value: promptfooSpec({ root: ctx.root, node22: node22.value, entry: promptfoo.value, version: promptfoo.version, workDir: ctx.workDir, baseUrl: server.baseUrl, count, concurrency }) },
            }
          : unavailable('promptfoo', promptfoo.reason),
      );
    } else {
      peers.push(unavailable('openai SDK (latest) + p-limit', node22.reason), unavailable('promptfoo', node22.reason));
    }

    // The same CLI on the SDK 7.x's runtime: a comparison that a newer Node does not tilt.
    const cliOn22 = node22.ok ? llmbatchSpec({ ...common, label: 'llmbatch run --no-cache (Node 22)', node: node22.value, out: out('llmbatch-node22'), cache: 'off' }) : undefined;
    const runnable = [...peers.flatMap((peer) => (peer.install.ok ? [peer.install.value] : [])), ...(cliOn22 ? [cliOn22] : [])];
    const answeredByServer = new Map<ClientSpec, number[]>();
    ctx.log(`3. Peers: ${count} requests, 0 ms server, concurrency ${concurrency}, cache off`);
    const results = await runClients([floor, cli, ...runnable], {
      runs: ctx.runs,
      count,
      timeoutMs: 20 * 60_000,
      log: ctx.log,
      beforeRun: () => server.reset(),
      afterRun: async (spec) => {
        const answered = (await server.stats()).answered;
        answeredByServer.set(spec, [...(answeredByServer.get(spec) ?? []), answered]);
        if (answered !== count) throw new Error(`${spec.label}: the server answered ${answered} requests, expected ${count}`);
      },
    });
    const byLabel = new Map(results.map((result) => [result.spec.label, result]));
    const rateOf = (result: ClientResult) => (count * 1000) / result.wall.median;
    const floorRate = rateOf(results[0]!);
    const cliRate = rateOf(results[1]!);
    const rows: string[][] = results.map((result) => [result.spec.label, formatMsSummary(result.wall), formatRate(rateOf(result)), formatRatio(rateOf(result) / floorRate), formatRatio(cliRate / rateOf(result))]);
    for (const peer of peers) if (!peer.install.ok) rows.push([peer.label, `not installed: ${peer.install.reason}`, '—', '—', '—']);

    const versus = (label: string | undefined, factor: number, name: string): TargetCheck => {
      const result = label ? byLabel.get(label) : undefined;
      if (!result) return { measure: `llmbatch vs ${name}`, result: 'peer not installed', target: `≥ ${formatRatio(factor)}`, met: undefined };
      const ratio = cliRate / rateOf(result);
      return { measure: `llmbatch vs ${result.spec.label}`, result: formatRatio(ratio), target: `≥ ${formatRatio(factor)}`, met: ratio >= factor };
    };
    const specOf = (at: number) => (peers[at]?.install.ok ? peers[at]!.install.value.label : undefined);
    const sameRuntime = ((): TargetCheck[] => {
      const ours = cliOn22 && byLabel.get(cliOn22.label);
      const theirs = specOf(1) ? byLabel.get(specOf(1)!) : undefined;
      if (!ours || !theirs) return [];
      const ratio = rateOf(ours) / rateOf(theirs);
      return [{ measure: `llmbatch (Node 22) vs ${theirs.spec.label}`, result: formatRatio(ratio), target: '≥ 1.20×', met: ratio >= 1.2 }];
    })();
    const warnings = results.flatMap((result) => result.runs.flatMap((run: ProcessRun) => run.stderr.split('\n').filter((line) => line.startsWith('loopback guard:'))));
    return {
      title: '3. Peers',
      setup: `${count} distinct requests, mock server with 0 ms latency, concurrency ${concurrency} everywhere, no cache anywhere. llmbatch: \`llmbatch run --no-cache --out FILE\`. openai SDK: \`bench/clients/openaiSdkClient.ts\` — \`chat.completions.create\` per line under p-limit, SDK defaults otherwise; 6.x is the newest that runs on Node 20 (the project's runtime), 7.x needs Node 22, so llmbatch also runs on that Node 22 for a same-runtime comparison. promptfoo: \`promptfoo eval --no-write --no-cache --no-share --no-table --no-progress-bar --max-concurrency ${concurrency}\`, the requests as CSV test cases of one chat prompt, its OpenAI provider on the mock through \`apiBaseUrl\`, telemetry, update checks and sharing off; it needs Node ≥ 22.22. Peers run from \`.bench-peers/\` with a preload that refuses any connection off 127.0.0.1.`,
      columns: ['Client', 'Wall time', 'Requests/s', 'vs floor', 'llmbatch is'],
      rows,
      targets: [versus(specOf(0), 1.2, 'openai SDK + p-limit (Node 20)'), versus(specOf(1), 1.2, 'openai SDK + p-limit (latest)'), ...sameRuntime, versus(specOf(2), 5, 'promptfoo')],
      notes: [
        `Floor, llmbatch and the SDK clients wrote every answer to a results file, checked line by line; for every client and run the server counted exactly ${count} answered requests.`,
        ...(warnings.length ? [`The loopback guard refused: ${[...new Set(warnings)].join('; ')}`] : ['No peer tried to connect anywhere but 127.0.0.1.']),
      ],
    };
  } finally {
    await server.stop();
  }
}
