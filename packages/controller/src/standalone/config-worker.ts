// Child-process body of config-loader.ts: reads and validates one standalone YAML file and sends the
// typed config (or the issues) back over the IPC channel (structured clone), then exits. Running it
// in its own process keeps a large file from delaying keepalives and lets the operating system take
// back all of the parser's memory when the child exits (a worker thread's heap stayed resident).

import { readFileSync } from 'node:fs';
import { ConfigError, parseConfigText, type ConfigIssue, type StandaloneConfig } from './config.ts';

export type ConfigWorkerReply = { readonly ok: true; readonly config: StandaloneConfig } | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

const file = process.argv[2] ?? '';
let reply: ConfigWorkerReply;
try {
  reply = { ok: true, config: parseConfigText(readFileSync(file, 'utf8')) };
} catch (err) {
  reply =
    err instanceof ConfigError
      ? { ok: false, issues: err.issues }
      : { ok: false, issues: [{ path: '(file)', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` }] };
}
if (process.send !== undefined) process.send(reply, () => process.disconnect());
