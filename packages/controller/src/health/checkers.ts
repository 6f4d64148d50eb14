// Health-check probes: HTTP(S) GET (status range, optional body match, CA or insecure, SNI), TCP
// connect, and exec (exit code, with a timeout that kills the process group). Each probe resolves to
// a result, never throws: a timeout, a refused connection or a bad status is just `ok: false` with a
// short reason (no secrets: URLs are reported without user info).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export type CheckSpec =
  | {
      readonly kind: 'http';
      readonly url: string;
      /** Inclusive status range; default 200–399. */
      readonly expectStatus?: readonly [number, number];
      /** Substring the body must contain (first 64 KiB). */
      readonly bodyContains?: string;
      readonly caFile?: string;
      readonly insecureSkipVerify?: boolean;
      readonly serverName?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'exec'; readonly command: string; readonly args?: readonly string[]; readonly expectExitCode?: number };

export interface CheckResult {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Short, secret-free reason: "200", "status 503", "timeout", "ECONNREFUSED", "exit 1". */
  readonly detail: string;
}

const BODY_LIMIT = 64 * 1024;

export function describeCheck(spec: CheckSpec): string {
  switch (spec.kind) {
    case 'http': {
      const u = new URL(spec.url);
      u.username = '';
      u.password = '';
      return `GET ${u.toString()}`;
    }
    case 'tcp':
      return `tcp ${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
    case 'exec':
      return `exec ${spec.command}`;
  }
}

export function runCheck(spec: CheckSpec, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const done = (ok: boolean, detail: string): CheckResult => ({ ok, detail, durationMs: performance.now() - started });
  switch (spec.kind) {
    case 'http':
      return httpCheck(spec, timeoutMs, done);
    case 'tcp':
      return tcpCheck(spec, timeoutMs, done);
    case 'exec':
      return execCheck(spec, timeoutMs, done);
  }
}

type Done = (ok: boolean, detail: string) => CheckResult;

function httpCheck(spec: Extract<CheckSpec, { kind: 'http' }>, timeoutMs: number, done: Done): Promise<CheckResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      resolve(done(false, 'bad url'));
      return;
    }
    const isHttps = url.protocol === 'https:';
    const [lo, hi] = spec.expectStatus ?? [200, 399];
    let settled = false;
    const finish = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const options: https.RequestOptions = {
      method: 'GET',
      headers: { 'user-agent': 'vipd-healthcheck', ...(spec.headers ?? {}) },
      agent: false,
    };
    if (isHttps) {
      if (spec.caFile !== undefined) {
        try {
          options.ca = readFileSync(spec.caFile);
        } catch (e) {
          // Never throw out of a probe: an unreadable CA file is a failed check.
          resolve(done(false, (e as NodeJS.ErrnoException).code ?? 'ca unreadable'));
          return;
        }
      }
      options.rejectUnauthorized = spec.insecureSkipVerify !== true;
      if (spec.serverName !== undefined) options.servername = spec.serverName;
    }
    const req = (isHttps ? https : http).request(url, options, (res) => {
      const status = res.statusCode ?? 0;
      if (status < lo || status > hi) {
        res.resume();
        finish(done(false, `status ${status}`));
        return;
      }
      if (spec.bodyContains === undefined) {
        res.resume();
        finish(done(true, String(status)));
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < BODY_LIMIT) body += chunk.slice(0, BODY_LIMIT - body.length);
      });
      res.on('end', () => finish(done(body.includes(spec.bodyContains!), body.includes(spec.bodyContains!) ? String(status) : 'body mismatch')));
      res.on('error', (e: NodeJS.ErrnoException) => finish(done(false, e.code ?? 'read error')));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(done(false, 'timeout'));
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(done(false, e.code ?? 'error')));
    req.end();
  });
}

function tcpCheck(spec: Extract<CheckSpec, { kind: 'tcp' }>, timeoutMs: number, done: Done): Promise<CheckResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: spec.host, port: spec.port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(done(false, 'timeout'));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(done(true, 'connected'));
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(done(false, e.code ?? 'error'));
    });
  });
}

function execCheck(spec: Extract<CheckSpec, { kind: 'exec' }>, timeoutMs: number, done: Done): Promise<CheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: CheckResult): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    // Own process group, so a timeout kills the command and anything it started.
    const child = spawn(spec.command, [...(spec.args ?? [])], { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      finish(done(false, 'timeout'));
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      finish(done(false, e.code ?? 'spawn error'));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const want = spec.expectExitCode ?? 0;
      finish(done(code === want, signal !== null ? `signal ${signal}` : `exit ${code}`));
    });
  });
}
