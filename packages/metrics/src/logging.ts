// vipd's logging: one pino root logger writing JSON lines, a child per component
// (`log.child({ component, ... })`), redaction of secret-bearing fields, and a level that can be changed
// while running: through the status API (`PUT /api/v1/log-level`, see server.ts) or by SIGUSR2, which
// toggles between the configured level and `debug` (docs/metrics.md, "Logs").

import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const COMPONENTS = ['session', 'speaker', 'controller', 'ipam', 'health', 'server', 'bfd'] as const;
export type Component = (typeof COMPONENTS)[number];

/** Field names whose values are replaced by "[redacted]" at any depth up to four levels. */
export const REDACTED_KEYS = [
  'password',
  'passwd',
  'token',
  'bearerToken',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
  'apiKey',
  'tcpMd5Key',
] as const;

export const REDACTED = '[redacted]';

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    for (const prefix of ['', '*.', '*.*.', '*.*.*.']) paths.push(`${prefix}${key}`);
  }
  return paths;
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

export interface LoggingOptions {
  readonly level?: LogLevel;
  /** Where JSON lines go; stdout when absent. */
  readonly destination?: DestinationStream;
  /** Bindings on every line, e.g. `{ node: 'worker-1' }`. */
  readonly base?: Record<string, string>;
}

/** Reads and changes the level of the root logger and all its children at run time. */
export interface LogLevelControl {
  get(): LogLevel;
  set(level: LogLevel): void;
}

export interface Logging {
  readonly root: PinoLogger;
  readonly control: LogLevelControl;
  /** The child logger of a component, with extra bindings (e.g. `{ peer: '192.0.2.1' }`). */
  component(name: Component, bindings?: Record<string, unknown>): PinoLogger;
}

export function createLogging(options: LoggingOptions = {}): Logging {
  const root = pino(
    {
      level: options.level ?? 'info',
      base: { ...(options.base ?? {}) },
      messageKey: 'msg',
      errorKey: 'err',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(), censor: REDACTED },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
  // Children made without their own `level` option inherit it through the prototype chain, so setting
  // the root's level reaches every component and peer logger already created.
  const control: LogLevelControl = {
    get: () => root.level as LogLevel,
    set(level) {
      root.level = level;
    },
  };
  return {
    root,
    control,
    component(name, bindings = {}) {
      return root.child({ component: name, ...bindings });
    },
  };
}

/**
 * Toggles between `base` and `debug` on each `signal` (default SIGUSR2). Returns the uninstaller.
 * SIGUSR1 is left alone: Node uses it to start the inspector.
 */
export function installLogLevelSignal(control: LogLevelControl, signal: NodeJS.Signals = 'SIGUSR2'): () => void {
  const base = control.get();
  const handler = (): void => {
    control.set(control.get() === 'debug' ? base : 'debug');
  };
  process.on(signal, handler);
  return () => {
    process.off(signal, handler);
  };
}
