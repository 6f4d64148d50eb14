// Lab harness: a real Prometheus (Debian's `prometheus` 2.42) on loopback, in a temporary directory,
// scraping given targets and optionally evaluating rule files; a small HTTP API client (instant query,
// targets, rules, alerts). Used by e2e/prometheus.test.ts and by lab tests that scrape a running vipd
// (e.g. "VipdBgpSessionDown fires when the router stops"): pass the daemon's address as a target and
// `alertRulesWithFor()` to shorten the alerts' `for:` so they fire within a test's time.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { LabError, killPid, waitFor } from './exec.ts';

export const PROMETHEUS_BIN = 'prometheus';
export const ALERT_RULES_PATH = fileURLToPath(new URL('../../charts/vipd/files/alerts.yaml', import.meta.url));

export interface ScrapeJob {
  readonly job: string;
  /** host:port, loopback or an address inside a namespace the test created. */
  readonly targets: readonly string[];
  readonly scheme?: 'http' | 'https';
  /** Extra labels on every series of the job (e.g. `{ node: 'worker-1' }`, like the chart's relabeling). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PrometheusOptions {
  /** Loopback port for the Prometheus web API. */
  readonly port: number;
  readonly jobs: readonly ScrapeJob[];
  readonly scrapeIntervalSec?: number;
  readonly evaluationIntervalSec?: number;
  readonly ruleFiles?: readonly string[];
  /** How long to wait for the API to answer after start (default 20 s). */
  readonly startTimeoutMs?: number;
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PromAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly value: string;
}

export interface PromRule {
  readonly name: string;
  readonly query: string;
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError?: string;
  readonly lastEvaluation: string;
  readonly type: 'alerting' | 'recording';
}

interface ApiEnvelope<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
}

/** An error answer from Prometheus's HTTP API (e.g. a PromQL parse or execution error). */
export class PrometheusApiError extends Error {
  readonly code = 'PROMETHEUS_API_ERROR';
  readonly errorType: string;
  constructor(errorType: string, message: string) {
    super(message);
    this.name = 'PrometheusApiError';
    this.errorType = errorType;
  }
}

/**
 * Copies the shipped alert rules with every `for:` replaced (e.g. "2s"), so a test sees alerts reach
 * `firing` quickly; the expressions themselves are unchanged.
 */
export function alertRulesWithFor(dir: string, forDuration: string, source = ALERT_RULES_PATH): string {
  const doc = parseYaml(readFileSync(source, 'utf8')) as { groups: { rules: Record<string, unknown>[] }[] };
  for (const g of doc.groups) for (const r of g.rules) if ('alert' in r) r.for = forDuration;
  const out = join(dir, 'alerts-fast.yaml');
  writeFileSync(out, stringifyYaml(doc));
  return out;
}

export class Prometheus {
  readonly dir: string;
  readonly url: string;
  private child: ChildProcess | undefined;
  private stderrTail = '';

  private constructor(dir: string, url: string) {
    this.dir = dir;
    this.url = url;
  }

  static async start(options: PrometheusOptions): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'vmt-prom-'));
    const p = new Prometheus(dir, `http://127.0.0.1:${options.port}`);
    try {
      const scrape = options.scrapeIntervalSec ?? 1;
      const config = {
        global: { scrape_interval: `${scrape}s`, scrape_timeout: `${Math.round(scrape * 800)}ms`, evaluation_interval: `${options.evaluationIntervalSec ?? scrape}s` },
        rule_files: [...(options.ruleFiles ?? [])],
        scrape_configs: options.jobs.map((j) => ({
          job_name: j.job,
          scheme: j.scheme ?? 'http',
          static_configs: [{ targets: [...j.targets], labels: { ...(j.labels ?? {}) } }],
        })),
      };
      writeFileSync(join(dir, 'prometheus.yml'), stringifyYaml(config));
      const child = spawn(
        PROMETHEUS_BIN,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${options.port}`,
          '--storage.tsdb.retention.time=1h',
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
      );
      p.child = child;
      child.stderr?.on('data', (c: Buffer) => {
        p.stderrTail = (p.stderrTail + c.toString()).slice(-4000);
      });
      const outcome = await waitFor(
        async () => {
          // An exited process ends the wait at once (a bad config must not cost the whole timeout).
          if (child.exitCode !== null) return 'exited';
          const res = await fetch(`${p.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
          return res.ok ? 'ready' : undefined;
        },
        { timeoutMs: options.startTimeoutMs ?? 20_000, intervalMs: 100, what: 'prometheus /-/ready' },
      );
      if (outcome === 'exited') throw new LabError('LAB_NOT_RUNNING', `prometheus exited ${child.exitCode}: ${p.stderrTail}`);
      return p;
    } catch (err) {
      await p.stop();
      throw err;
    }
  }

  private async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const url = new URL(`/api/v1/${path}`, this.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as ApiEnvelope<T>;
    if (body.status !== 'success') throw new PrometheusApiError(body.errorType ?? 'unknown', body.error ?? `HTTP ${res.status}`);
    return body.data;
  }

  /** Instant query (GET /api/v1/query); throws PrometheusApiError when Prometheus rejects it. */
  async query(expr: string): Promise<{ resultType: string; result: PromSample[] | [number, string] }> {
    return this.api('query', { query: expr });
  }

  async targets(): Promise<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }> {
    return this.api('targets');
  }

  async rules(): Promise<PromRule[]> {
    const data = await this.api<{ groups: { rules: PromRule[] }[] }>('rules');
    return data.groups.flatMap((g) => g.rules);
  }

  async alerts(): Promise<PromAlert[]> {
    return (await this.api<{ alerts: PromAlert[] }>('alerts')).alerts;
  }

  /** Waits until every target of every job is up. */
  async waitForTargetsUp(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      async () => {
        const t = await this.targets();
        return t.activeTargets.length > 0 && t.activeTargets.every((a) => a.health === 'up');
      },
      { timeoutMs, intervalMs: 200, what: 'all scrape targets up' },
    );
  }

  /** Waits until an alert with these labels is in `state` (pending or firing). */
  async waitForAlert(name: string, state: 'pending' | 'firing', labels: Record<string, string> = {}, timeoutMs = 30_000): Promise<PromAlert> {
    return waitFor(
      async () =>
        (await this.alerts()).find(
          (a) => a.labels.alertname === name && a.state === state && Object.entries(labels).every(([k, v]) => a.labels[k] === v),
        ),
      { timeoutMs, intervalMs: 250, what: `alert ${name} ${state}` },
    );
  }

  /** SIGTERM (SIGKILL after 5 s) and remove the temporary directory. Safe to call twice. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined && child.exitCode === null) await killPid(child.pid, 5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
