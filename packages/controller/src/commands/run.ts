// `vipd run --config <file>`: standalone mode (docs/standalone.md). Loads and validates the YAML,
// starts the daemon, reloads on SIGHUP, drains and exits 0 on SIGTERM/SIGINT.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, parseConfigText, type StandaloneConfig } from '../standalone/config.ts';
import { StandaloneDaemon } from '../standalone/daemon.ts';
import { realSessionLayer } from '../standalone/real-session-layer.ts';
import { createMetrics } from '../standalone/metrics.ts';
import { loadConfigFile } from '../standalone/config-loader.ts';
import { loadConfigSource } from '../standalone/config-env.ts';
import { HealthGate } from '../standalone/health-gate.ts';
import { LoopbackBinder } from '../standalone/loopback.ts';

export const summary = 'run the BGP speaker without Kubernetes, from a YAML file (standalone mode)';

/** `--check` output never carries secrets: keyed material and HTTP header values print as <redacted>. */
const SECRET_KEY = /pass(word)?|secret|token|key$|^key|authorization|auth$/i;
function checkReplacer(this: unknown, k: string, v: unknown): unknown {
  if (k !== '' && SECRET_KEY.test(k) && (typeof v === 'string' || v instanceof Uint8Array)) return '<redacted>';
  if (k === 'headers' && v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).map((h) => [h, '<redacted>']));
  return v instanceof Uint8Array ? `${v.length} bytes` : v;
}

const USAGE = `usage: vipd run --config <file> [--check] [--graceful-restart-stop]

  --config FILE             YAML configuration (docs/standalone.md)
  --config-env NAME         read the YAML from environment variable NAME instead of a file
  --expand-env              replace \${VAR} in the YAML with environment variables (unset = error)
  --check                   validate the file, print the parsed config as JSON and exit
  --graceful-restart-stop   on SIGTERM close sessions without withdrawing or NOTIFICATION, so routers
                            with graceful restart keep our routes until vipd is back (upgrades)
`;

function loadConfig(file: string): StandaloneConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` }]);
  }
  return parseConfigText(text);
}

function printConfigError(file: string, err: ConfigError): void {
  process.stderr.write(`vipd: invalid config ${file}\n${err.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
}

export async function run(argv: string[]): Promise<number> {
  let file: string | undefined;
  let check = false;
  let grStop = false;
  let envVar: string | undefined;
  let expand = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-c') file = argv[++i];
    else if (a.startsWith('--config=')) file = a.slice('--config='.length);
    else if (a === '--check') check = true;
    else if (a === '--expand-env') expand = true;
    else if (a === '--config-env') envVar = argv[++i];
    else if (a.startsWith('--config-env=')) envVar = a.slice('--config-env='.length);
    else if (a === '--graceful-restart-stop') grStop = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`vipd run: unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
  if (file === undefined && envVar !== undefined) file = `$${envVar}`;
  if (file === undefined) {
    process.stderr.write(`vipd run: --config is required\n${USAGE}`);
    return 2;
  }
  const src = { ...(envVar === undefined ? { file } : { envVar }), expand };
  const simple = envVar === undefined && !expand;
  let cfg: StandaloneConfig;
  try {
    cfg = !simple ? loadConfigSource(src) : check ? loadConfig(file) : await loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      printConfigError(file, err);
      return 2;
    }
    throw err;
  }
  if (check) {
    process.stdout.write(`${JSON.stringify(cfg, checkReplacer, 2)}\n`);
    return 0;
  }

  const { createLogging } = await import('@vipd/metrics/logging.ts');
  const logging = createLogging({ level: cfg.logLevel, base: { node: hostname() } });
  const log = logging.root;
  const metrics = createMetrics(cfg, logging);
  const layer = realSessionLayer(logging.component('session'), metrics.bgp, { observer: metrics.security });
  // Health-gated VIPs (docs/health-checks.md): the daemon asks the gate per VIP; the gate tells the
  // daemon to recompute when a check's route changes.
  let daemonRef: StandaloneDaemon | undefined;
  let loopbackOnChange = (): void => {};
  const health = new HealthGate({
    log: logging.component('health'),
    metrics: metrics.control,
    onChange: () => {
      daemonRef?.refreshRoutes();
      loopbackOnChange();
    },
  });
  const loopback = new LoopbackBinder(logging.component('speaker'));
  const loopbackPrefixes = (c: StandaloneConfig): string[] =>
    c.vips.filter((v) => v.bindToLoopback === 'always' || (v.bindToLoopback === 'announced' && health.attributesFor(v) !== undefined)).map((v) => v.prefix);
  const daemon = new StandaloneDaemon(cfg, { layer, log: logging.component('speaker'), metrics: metrics.bgp, gate: (v) => health.attributesFor(v) });
  daemonRef = daemon;
  health.setConfig(cfg);
  // `bindToLoopback: announced` follows the routes: re-synced (serialized) whenever a check's route changes.
  let loopbackChain: Promise<void> = Promise.resolve();
  let loopbackClosed = false;
  loopbackOnChange = () => {
    loopbackChain = loopbackChain
      .then(() => (loopbackClosed ? undefined : loopback.sync(loopbackPrefixes(daemon.config))))
      .catch((err: unknown) => log.error({ err }, 'cannot bind VIPs to loopback'));
  };
  const releaseLoopback = async (): Promise<void> => {
    loopbackClosed = true;
    await loopbackChain;
    await loopback.release();
  };
  try {
    loopbackChain = loopback.sync(loopbackPrefixes(cfg));
    await loopbackChain;
  } catch (err) {
    loopbackChain = Promise.resolve();
    log.error({ err }, 'cannot bind VIPs to loopback');
    process.stderr.write(`vipd: ${(err as Error).message}\n`);
    health.stop();
    await releaseLoopback();
    return 3;
  }
  const url = await metrics.attach(daemon, health).catch((err: unknown) => {
    log.error({ err }, 'metrics server did not start; continuing without it');
    return undefined;
  });
  if (url !== undefined) log.info({ url }, 'metrics and status server listening');

  let stopping = false;
  const done = new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal during shutdown: exiting now');
        resolve(1);
        return;
      }
      stopping = true;
      log.info({ signal, gracefulRestartStop: grStop }, 'shutting down');
      health.stop();
      daemon
        .shutdown(grStop)
        .then(() => releaseLoopback())
        .then(() => metrics.close())
        .then(() => resolve(0))
        .catch((err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  // Reloads are serialized: a SIGHUP during a reload schedules one more pass with the file as it is then.
  let reloading: Promise<void> = Promise.resolve();
  process.on('SIGHUP', () => {
    if (stopping) return;
    // The event of vipd_event_to_wire_seconds in standalone mode: the signal, so reading and parsing
    // the file count too.
    const observedAtMs = performance.now();
    reloading = reloading.then(async () => {
      if (stopping) return;
      let next: StandaloneConfig;
      try {
        next = simple ? await loadConfigFile(file) : loadConfigSource(src);
      } catch (err) {
        if (err instanceof ConfigError) log.error({ issues: err.issues }, 'config reload rejected');
        else log.error({ err }, 'config reload rejected');
        return;
      }
      try {
        const s = await daemon.reload(next, observedAtMs);
        // After the reload: a changed check restarts (down) and its VIPs wait for `rise` again.
        health.setConfig(next);
        daemon.refreshRoutes();
        loopbackOnChange();
        await loopbackChain;
        log.info({ ...s }, 'config reloaded');
      } catch (err) {
        log.error({ err }, 'config reload failed');
      }
    });
  });

  try {
    await daemon.start();
  } catch (err) {
    // A peer that needs TCP-MD5 / GTSM / BFD when the native addon or the kernel cannot provide it:
    // refuse to run rather than bring the session up without authentication.
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_PEER_SECURITY_UNAVAILABLE' || code === 'ERR_BFD_UNAVAILABLE' || code === 'ERR_SOCKOPT_UNAVAILABLE') {
      log.fatal?.({ err: { code, message: (err as Error).message } }, 'cannot start: peer security or BFD unavailable');
      process.stderr.write(`vipd: ${(err as Error).message}\n`);
      logging.root.flush();
      await daemon.shutdown().catch(() => undefined);
      return 3;
    }
    throw err;
  }
  daemon.refreshRoutes();
  log.info({ peers: cfg.peers.length, vips: cfg.vips.length, localAsn: cfg.localAsn, routerId: cfg.routerId }, 'vipd running');
  // Session timers are unref'd: with no listener and every peer Idle between retries (a router that
  // restarted), nothing else would hold the event loop and vipd would exit. Run until a signal.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const code = await done;
  clearInterval(keepAlive);
  // Also after a second signal cut the drain short: never leave our addresses on lo.
  await releaseLoopback().catch(() => undefined);
  log.info({ code }, 'vipd exiting');
  logging.root.flush();
  // Give pino's async destination a moment to write the last lines; sockets are closed already.
  setTimeout(() => process.exit(code), 50).unref();
  return code;
}
