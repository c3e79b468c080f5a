/**
 * Entry of the results webview. The host posts everything it knows after the
 * `ready` handshake; nothing about a run is ever written into the page's HTML.
 */
import './styles/base.css';
import './styles/table.css';
import './styles/detail.css';
import './styles/compare.css';
import './styles/scoreboard.css';
import type { HostApi } from './app';
import type { HostMessage } from './protocol';
import { ResultsApp } from './app';

declare function acquireVsCodeApi(): HostApi;

const host = acquireVsCodeApi();
const root = document.getElementById('app') ?? document.body;
const app = new ResultsApp(root, host);

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message && typeof message === 'object' && typeof message.type === 'string') app.receive(message);
});
host.postMessage({ type: 'ready' });
