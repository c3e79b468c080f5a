/**
 * Scenario 7: the results panel with 10 000 rows in headless Chromium — the
 * webview bundle in the standalone harness page (`test/webview/harness.html`),
 * which fakes `acquireVsCodeApi` and answers `ready` with a generated run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { ScenarioBody, ScenarioContext } from '../report/scenarioReport';
import { formatMs, formatMsSummary, percentile, summarize } from '../report/stats';
import { serveStatic } from '../webview/staticServer';

const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const firstPaintTargetMs = 300;

interface PageTimings {
  /** Navigation start → the `init` message with the run is delivered. */
  readonly initPosted: number;
  /** Navigation start → the first frame after the rows were rendered. */
  readonly painted: number;
  readonly firstContentfulPaint?: number;
  readonly rowsInDom: number;
  readonly firstRowId?: string;
}

interface ScrollResult {
  /** Time between consecutive frames while the list scrolls by a screenful or more per frame. */
  readonly frameIntervals: number[];
  readonly longTasks: number;
  readonly rowsInDom: number;
  readonly reachedEnd: boolean;
  readonly lastRowId?: string;
}

async function measureOnce(context: BrowserContext, url: string): Promise<{ timings: PageTimings; scroll: ScrollResult }> {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { harness?: { timings: { painted?: number } } }).harness?.timings.painted !== undefined, undefined, { timeout: 30_000 });
    const timings = await page.evaluate((): PageTimings => {
      const harness = (window as unknown as { harness: { timings: { initPosted: number; painted: number } } }).harness;
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      const dataRows = document.querySelectorAll('.table-viewport .row[data-id]:not([hidden])');
      return {
        initPosted: harness.timings.initPosted,
        painted: harness.timings.painted,
        ...(fcp && { firstContentfulPaint: fcp.startTime }),
        rowsInDom: document.querySelectorAll('.table-viewport .row').length,
        ...(dataRows[0] && { firstRowId: (dataRows[0] as HTMLElement).dataset['id'] }),
      };
    });
    const scroll = await page.evaluate(async (): Promise<ScrollResult> => {
      const viewport = document.querySelector<HTMLElement>('.table-viewport');
      if (!viewport) throw new Error('no .table-viewport in the page');
      let longTasks = 0;
      const observer = new PerformanceObserver((list) => (longTasks += list.getEntries().length));
      try {
        observer.observe({ type: 'longtask', buffered: false });
      } catch {
        // Long-task timing is missing in some builds; frame intervals still tell.
      }
      const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
      const end = viewport.scrollHeight - viewport.clientHeight;
      // Two screenfuls per frame: a fast fling, where a non-virtual list falls apart.
      const step = Math.max(1, viewport.clientHeight * 2);
      const frameIntervals: number[] = [];
      let last = await frame();
      for (let top = step; top < end + step && frameIntervals.length < 5000; top += step) {
        viewport.scrollTop = Math.min(top, end);
        const now = await frame();
        frameIntervals.push(now - last);
        last = now;
      }
      await frame();
      await frame();
      observer.disconnect();
      const visible = [...document.querySelectorAll<HTMLElement>('.table-viewport .row[data-id]:not([hidden])')];
      return {
        frameIntervals,
        longTasks,
        rowsInDom: document.querySelectorAll('.table-viewport .row').length,
        reachedEnd: viewport.scrollTop >= end - 1,
        ...(visible.length && { lastRowId: visible[visible.length - 1]!.dataset['id'] }),
      };
    });
    if (!timings.firstRowId) throw new Error('the table painted no rows');
    if (!scroll.reachedEnd) throw new Error('scrolling stopped before the end of the table');
    if (!scroll.lastRowId) throw new Error('no rows were drawn at the end of the table');
    return { timings, scroll };
  } finally {
    await page.close();
  }
}

export async function webviewScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  const rows = 10_000;
  const harness = join(ctx.root, 'test', 'webview', 'harness.html');
  if (!existsSync(harness)) throw new Error('test/webview/harness.html is missing');
  if (!existsSync(join(ctx.root, 'dist', 'webview', 'main.js'))) throw new Error('dist/webview/main.js is missing; the webview bundle was not built');
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing (apt-get install -y chromium)`);
  // Loaded at run time from the project's node_modules rather than bundled.
  const { chromium } = createRequire(__filename)('playwright-core') as typeof import('playwright-core');
  const server = await serveStatic(ctx.root, ['test/webview/', 'dist/webview/']);
  const url = `${server.origin}/test/webview/harness.html?rows=${rows}&theme=dark&state=finished`;
  const results: Array<{ timings: PageTimings; scroll: ScrollResult }> = [];
  const blocked = new Set<string>();
  ctx.log(`7. Webview: ${rows} rows in headless Chromium`);
  try {
    for (let run = 0; run < ctx.runs; run++) {
      const userDataDir = mkdtempSync(join(tmpdir(), 'llmbatch-bench-chromium-'));
      const context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath, args: chromiumArgs, headless: true, viewport: { width: 1280, height: 800 } });
      try {
        await context.route('**/*', (route) => {
          const target = new URL(route.request().url());
          if (target.hostname === '127.0.0.1' || target.protocol === 'data:') return route.continue();
          blocked.add(target.host);
          return route.abort('blockedbyclient');
        });
        const result = await measureOnce(context, url);
        results.push(result);
        ctx.log(`  first paint ${formatMs(result.timings.painted - result.timings.initPosted)} after the data arrived`);
      } finally {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await server.close();
  }
  const paint = summarize(results.map((r) => r.timings.painted - r.timings.initPosted));
  const fromNavigation = summarize(results.map((r) => r.timings.painted));
  const intervals = results.flatMap((r) => r.scroll.frameIntervals);
  const frameMedian = percentile(intervals, 50);
  const frameP95 = percentile(intervals, 95);
  const dropped = intervals.filter((ms) => ms > 25).length;
  const domRows = Math.max(...results.map((r) => Math.max(r.timings.rowsInDom, r.scroll.rowsInDom)));
  return {
    title: '7. Webview',
    setup: `The results webview bundle (\`dist/webview/main.js\`) in \`test/webview/harness.html\`, served from 127.0.0.1, with a generated finished run of ${rows} rows; headless Chromium (\`${chromiumPath}\` through playwright-core, 1280×800, fresh profile per run, every request to anything but 127.0.0.1 refused). First paint is the time from delivering the run to the webview to the first frame after the rows are drawn (two animation frames). Scrolling moves the table two screenfuls per frame from top to bottom.`,
    columns: ['Measure', 'Result'],
    rows: [
      ['first paint after the data arrives', formatMsSummary(paint)],
      ['page navigation → rows painted', formatMsSummary(fromNavigation)],
      ['scroll: frame interval, median / p95', `${formatMs(frameMedian)} / ${formatMs(frameP95)}`],
      ['scroll: frames over 25 ms', `${dropped} of ${intervals.length}`],
      ['scroll: long tasks (> 50 ms)', String(results.reduce((sum, r) => sum + r.scroll.longTasks, 0))],
      ['row elements in the DOM (most seen)', String(domRows)],
    ],
    targets: [{ measure: `first paint of ${rows} rows`, result: formatMs(paint.median), target: `≤ ${formatMs(firstPaintTargetMs)}`, met: paint.median <= firstPaintTargetMs }],
    notes: [
      `Each run reached the last row; at most ${domRows} row elements existed at any time (the table is virtual).`,
      ...(blocked.size ? [`Refused requests to: ${[...blocked].join(', ')}.`] : ['The page asked for nothing outside 127.0.0.1.']),
    ],
  };
}
