// Helpers for tests that drive the test API server with the real @kubernetes/client-node:
// a KubeConfig for a TestApiServer, the Status of a failed call, and a bounded poll.

import * as k8s from '@kubernetes/client-node';
import type { TestApiServer } from './test-api-server.ts';

export function kubeConfigFor(server: TestApiServer, token?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const yaml = server.kubeconfigYaml();
  kc.loadFromString(token === undefined ? yaml : yaml.replace(`token: ${server.token}`, `token: ${token}`));
  return kc;
}

export type FailedCall = { httpCode: number; reason: string; body: Record<string, unknown> };

/** Await a call that must fail with an ApiException and return its HTTP code and Status reason. */
export async function failure(p: Promise<unknown>): Promise<FailedCall> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      const raw: unknown = err.body;
      let body: Record<string, unknown> = {};
      try {
        body = typeof raw === 'string' ? (JSON.parse(raw) as Record<string, unknown>) : ((raw ?? {}) as Record<string, unknown>);
      } catch {
        body = {};
      }
      return { httpCode: err.code, reason: String(body.reason ?? ''), body };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** Poll `check` until it returns true or `timeoutMs` passes (then throw with `what`). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000, stepMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
