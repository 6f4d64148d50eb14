// `vipd run --expand-env` / `--config-env NAME`: configuration text with ${VAR} references replaced by
// environment variables (the chart's DaemonSet passes NODE_IP from the downward API; the static Pod
// manifest of `vipd manifest controlplane` carries its whole config in an environment variable).
// A reference to an unset variable is a config error, never an empty string.

import { readFileSync } from 'node:fs';
import { ConfigError, parseConfigText, type StandaloneConfig } from './config.ts';

/** Replaces ${NAME} (NAME = [A-Za-z_][A-Za-z0-9_]*); `$${` is a literal `${`. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  const missing: string[] = [];
  const out = text.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => {
    if (m.startsWith('$$')) return m.slice(1);
    const v = env[name];
    if (v === undefined) {
      missing.push(name);
      return '';
    }
    return v;
  });
  if (missing.length > 0) throw new ConfigError(missing.map((n) => ({ path: '(env)', message: `\${${n}} is not set` })));
  return out;
}

export interface ConfigSource {
  readonly file?: string;
  readonly envVar?: string;
  readonly expand: boolean;
}

/** Reads the config text from the file or environment variable, expands it if asked, validates it. */
export function loadConfigSource(src: ConfigSource, env: NodeJS.ProcessEnv = process.env): StandaloneConfig {
  let text: string;
  if (src.envVar !== undefined) {
    const v = env[src.envVar];
    if (v === undefined || v === '') throw new ConfigError([{ path: '(env)', message: `${src.envVar} is not set` }]);
    text = v;
  } else {
    try {
      text = readFileSync(src.file ?? '', 'utf8');
    } catch (err) {
      throw new ConfigError([{ path: '(file)', message: `cannot read ${src.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` }]);
    }
  }
  return parseConfigText(src.expand ? expandEnv(text, env) : text);
}
