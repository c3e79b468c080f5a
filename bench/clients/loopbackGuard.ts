/**
 * Preloaded (`node --require`) into third-party peers so that, whatever they
 * try (telemetry, update checks, remote features), no connection leaves
 * 127.0.0.1. Refused connections fail like an unreachable network and are
 * counted on stderr at exit.
 */
import net from 'node:net';

const allowedHosts = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);
const refused = new Map<string, number>();

function hostOf(args: unknown[]): string | undefined {
  const [first, second] = args;
  if (Array.isArray(first)) return hostOf(first);
  if (first !== null && typeof first === 'object') {
    const options = first as { host?: unknown; path?: unknown };
    if (typeof options.path === 'string') return undefined;
    return typeof options.host === 'string' ? options.host : undefined;
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined; // an IPC path
  return typeof second === 'string' ? second : undefined;
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const host = hostOf(args);
  if (host !== undefined && !allowedHosts.has(host.replace(/^\[|\]$/g, ''))) {
    refused.set(host, (refused.get(host) ?? 0) + 1);
    const error = Object.assign(new Error(`connect ENETUNREACH ${host} (the benchmark allows 127.0.0.1 only)`), { code: 'ENETUNREACH' });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

process.on('exit', () => {
  if (refused.size > 0) process.stderr.write(`loopback guard: refused ${[...refused].map(([host, count]) => `${host} ×${count}`).join(', ')}\n`);
});
