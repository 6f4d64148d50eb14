// Defence in depth for the status API: the provider's types have no secret fields, but a provider is
// plain code and could pass an object through. Every response is copied through `scrubSecrets`, which
// drops secret-named keys at any depth and strips credentials from URLs inside strings.

const SECRET_KEY = /password|passwd|passphrase|secret|token|authorization|cookie|api[-_]?key|md5[-_]?key|private[-_]?key/i;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
const MAX_DEPTH = 32;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

function scrubString(s: string): string {
  return s.replace(URL_CREDENTIALS, '$1');
}

/** A deep copy of `value` without secret-named keys or URL credentials. Cycles and depth are bounded. */
export function scrubSecrets<T>(value: T): T {
  return scrub(value, 0) as T;
}

function scrub(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSecretKey(k) || typeof v === 'function') continue;
    out[k] = scrub(v, depth + 1);
  }
  return out;
}
