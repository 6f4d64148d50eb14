// Loads a standalone YAML config in a short-lived child process (config-worker.ts). Parsing 100k VIPs
// with the `yaml` package takes seconds and hundreds of MB of short-lived objects; in a child that
// time does not block the daemon's event loop (keepalives, RFC 4271 §4.4, keep flowing during a
// SIGHUP reload) and the memory goes back to the system when the child exits (measured: a worker
// thread left ~200 MB resident after a 100k-VIP parse).

import { fork } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfigText, type StandaloneConfig } from './config.ts';
import type { ConfigWorkerReply } from './config-worker.ts';

const WORKER = fileURLToPath(new URL('./config-worker.ts', import.meta.url));
/**
 * Files up to this size (about 3,000 bare VIPs) parse in-process in milliseconds; above it the
 * parser's garbage (~2 KB per VIP) would grow the daemon's heap for good (measured at 10k VIPs: +35 MB).
 */
const INLINE_MAX_BYTES = 64 * 1024;

function readError(file: string, err: unknown): ConfigError {
  return new ConfigError([{ path: '(file)', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` }]);
}

export async function loadConfigFile(file: string, timeoutMs = 60_000): Promise<StandaloneConfig> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw readError(file, err);
  }
  if (size <= INLINE_MAX_BYTES) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw readError(file, err);
    }
    return parseConfigText(text);
  }
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [file], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(new ConfigError([{ path: '(file)', message: `loading took longer than ${timeoutMs} ms` }])));
    }, timeoutMs);
    child.once('message', (m: ConfigWorkerReply) => settle(() => (m.ok ? resolve(m.config) : reject(new ConfigError(m.issues)))));
    child.once('error', (err) => settle(() => reject(new ConfigError([{ path: '(file)', message: `config loader failed: ${err.message}` }]))));
    child.once('exit', (code) => settle(() => reject(new ConfigError([{ path: '(file)', message: `config loader exited with ${code}` }]))));
  });
}
