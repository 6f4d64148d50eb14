// Validation results for configuration objects: each problem is a value { path, message, reason }, where
// `reason` is a closed set used as the `Accepted=False` condition reason on the object. Parsers never
// throw on bad input; `requireValid` turns a failed result into a typed error for callers that want one.

export const CONFIG_REASONS = [
  'MissingField',
  'InvalidField',
  'InvalidAddress',
  'InvalidASN',
  'InvalidTimer',
  'InvalidCommunity',
  'InvalidSelector',
  'InvalidRange',
  'OverlappingRange',
  'InvalidName',
  'UnknownReference',
  'DuplicatePeer',
] as const;
export type ConfigReason = (typeof CONFIG_REASONS)[number];

export interface Issue {
  /** JSON-path-like location in the object, e.g. `spec.holdTimeSec` or `spec.communities[2]`. */
  readonly path: string;
  readonly message: string;
  readonly reason: ConfigReason;
}

export function issue(path: string, message: string, reason: ConfigReason): Issue {
  return { path, message, reason };
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly Issue[] }
  | { readonly ok: false; readonly errors: readonly Issue[]; readonly warnings: readonly Issue[] };

export function result<T>(value: T, errors: readonly Issue[], warnings: readonly Issue[] = []): ParseResult<T> {
  return errors.length === 0 ? { ok: true, value, warnings } : { ok: false, errors, warnings };
}

/** Thrown by `requireValid`; carries the issues. Tests match on `code` and `issues`, never on text. */
export class ConfigValidationError extends Error {
  readonly code = 'VIPD_CONFIG_INVALID';
  readonly issues: readonly Issue[];
  constructor(kind: string, issues: readonly Issue[]) {
    super(`invalid ${kind}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigValidationError';
    this.issues = issues;
  }
}

export function requireValid<T>(kind: string, r: ParseResult<T>): T {
  if (!r.ok) throw new ConfigValidationError(kind, r.errors);
  return r.value;
}

/** metav1.Condition as written to `status.conditions`. */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
}

/**
 * The `Accepted` condition for a parse result: True/"Valid", or False with the first error's reason
 * and every error in the message (bounded, since messages end up in etcd).
 */
export function acceptedCondition(r: ParseResult<unknown>, observedGeneration?: number): Condition {
  const base = observedGeneration === undefined ? {} : { observedGeneration };
  if (r.ok) {
    const warn = r.warnings.map((w) => `warning: ${w.path}: ${w.message}`).join('; ');
    return { type: 'Accepted', status: 'True', reason: 'Valid', message: warn === '' ? 'configuration accepted' : warn, ...base };
  }
  const message = r.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return {
    type: 'Accepted',
    status: 'False',
    reason: r.errors[0]!.reason,
    message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
    ...base,
  };
}
