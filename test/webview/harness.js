// Loads the results app in a plain browser page, without VS Code, for
// benchmarks and screenshots. URL parameters:
//   rows=10000         how many requests the run has
//   theme=dark|light|hc
//   state=finished|running
// The page exposes `window.harness`: `messages` (what the app posted),
// `post(message)` (deliver a host message synchronously), `timings`
// (`initPosted`, `initRendered` from performance.now()), and `makeRun(n)`.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const rowCount = Number(params.get('rows') || '10000');
  const theme = params.get('theme') || 'dark';
  const state = params.get('state') || 'finished';
  document.body.classList.add(theme === 'light' ? 'vscode-light' : theme === 'hc' ? 'vscode-high-contrast' : 'vscode-dark');

  const models = ['gpt-4o', 'gpt-4o-mini'];
  const temperatures = ['0', '0.7'];
  const cities = ['Paris', 'Oslo', 'Lima', 'Tokyo', 'Cairo', 'Quito', 'Perth', 'Riga', 'Delhi', 'Accra'];
  const words = 'the quick brown fox jumps over a lazy dog while every answer differs a little from its neighbours'.split(' ');

  function answerFor(i) {
    const length = 20 + ((i * 37) % 80);
    const parts = [];
    for (let w = 0; w < length; w++) parts.push(words[(i + w * 7) % words.length]);
    return `Answer ${i}: ${parts.join(' ')}.\nSecond line of answer ${i}.`;
  }

  function makeRun(n) {
    const rows = [];
    const run = { runId: 'run-harness', startedAt: Date.now() - 60000, state, rows };
    for (let i = 0; i < n; i++) {
      const block = i % 3 === 0 ? 'capitals' : 'facts';
      const status = state === 'running' && i > n / 2 ? 'running' : i % 29 === 0 ? 'failed' : i % 7 === 0 ? 'cached' : 'ok';
      const row = {
        index: i,
        id: `${block}#${i}`,
        block,
        model: models[i % 2],
        variables: { city: cities[Math.floor(i / 4) % cities.length], row: String(Math.floor(i / 8)) },
        parameters: { temperature: temperatures[Math.floor(i / 2) % 2], max_tokens: '200' },
        status,
      };
      if (status === 'failed') Object.assign(row, { latencyMs: 30000, attempts: 3, error: 'timeout: the server did not answer within 30 s' });
      else if (status !== 'running') {
        Object.assign(row, { latencyMs: 200 + ((i * 13) % 1800), attempts: 1, promptTokens: 40 + (i % 50), completionTokens: 20 + (i % 120), answer: answerFor(i), finishReason: 'stop' });
        if (row.model === 'gpt-4o-mini') row.costUsd = (row.promptTokens * 0.15 + row.completionTokens * 0.6) / 1e6;
      }
      rows.push(row);
    }
    if (state === 'finished') run.wallTimeMs = 58000;
    else run.progress = { done: Math.floor(n / 2), total: n, inFlight: 20, tokensPerSecond: 1234, elapsedMs: 30000, etaMs: 30000 };
    harness.lastRun = run;
    return run;
  }

  const harness = {
    messages: [],
    timings: {},
    makeRun,
    post(message) {
      window.dispatchEvent(new MessageEvent('message', { data: message }));
    },
  };
  window.harness = harness;

  let saved;
  window.acquireVsCodeApi = function () {
    return {
      postMessage(message) {
        harness.messages.push(message);
        if (message.type === 'ready') {
          const run = makeRun(rowCount);
          // A macrotask later, as a real webview message would arrive.
          setTimeout(() => {
            harness.timings.initPosted = performance.now();
            harness.post({ type: 'init', fileUri: 'file:///workspace/harness.llmbatch', fileName: 'harness.llmbatch', run, history: [], canRun: true });
            harness.timings.initRendered = performance.now();
            requestAnimationFrame(() => requestAnimationFrame(() => (harness.timings.painted = performance.now())));
          }, 0);
        }
        if (message.type === 'requestDetail') {
          const row = harness.lastRun && harness.lastRun.rows.find((candidate) => candidate.id === message.id);
          if (row) {
            harness.post({
              type: 'detail',
              runId: 'run-harness',
              detail: {
                id: row.id,
                messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: `Tell me about ${row.variables.city}.` }],
                parameters: row.parameters,
                variables: row.variables,
                answer: row.answer,
                finishReason: row.finishReason,
                error: row.error,
                usage: row.promptTokens === undefined ? undefined : { promptTokens: row.promptTokens, completionTokens: row.completionTokens, totalTokens: row.promptTokens + row.completionTokens },
                attempts: row.attempts,
                latencyMs: row.latencyMs,
                statusCode: row.error ? undefined : 200,
                requestJson: JSON.stringify({ model: row.model, messages: [] }, null, 2),
                responseJson: JSON.stringify({ id: 'chatcmpl-1', choices: [] }, null, 2),
                hasSource: true,
              },
            });
          }
        }
      },
      getState() {
        return saved;
      },
      setState(value) {
        saved = value;
      },
    };
  };
})();
