// Kubernetes label selectors (metav1.LabelSelector) for configuration: syntax validation with the
// apimachinery rules (qualified-name keys, label values, operator/values consistency) and matching.
// An empty selector matches everything, as in Kubernetes.

import { type Issue, issue } from './issues.ts';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

export const EMPTY_SELECTOR: LabelSelector = { matchLabels: {}, matchExpressions: [] };

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** apimachinery IsQualifiedName: optional DNS-subdomain prefix (≤253) + "/" + name (≤63). */
export function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1]!;
  if (name.length === 0 || name.length > 63 || !NAME_RE.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN_RE.test(prefix)) return false;
  }
  return true;
}

/** apimachinery IsValidLabelValue: empty, or ≤63 of [A-Za-z0-9-_.] starting and ending alphanumeric. */
export function isLabelValue(v: string): boolean {
  return v === '' || (v.length <= 63 && NAME_RE.test(v));
}

const OPERATORS: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a selector from unknown input; problems are appended to `issues` under `path`. */
export function parseSelector(raw: unknown, path: string, issues: Issue[]): LabelSelector {
  if (raw === undefined || raw === null) return EMPTY_SELECTOR;
  if (!isRecord(raw)) {
    issues.push(issue(path, 'must be a label selector object', 'InvalidSelector'));
    return EMPTY_SELECTOR;
  }
  const matchLabels: Record<string, string> = {};
  const ml = raw['matchLabels'];
  if (ml !== undefined) {
    if (!isRecord(ml)) issues.push(issue(`${path}.matchLabels`, 'must be a map of strings', 'InvalidSelector'));
    else {
      for (const [k, v] of Object.entries(ml)) {
        if (!isQualifiedName(k)) issues.push(issue(`${path}.matchLabels`, `invalid label key "${k}"`, 'InvalidSelector'));
        if (typeof v !== 'string' || !isLabelValue(v)) {
          issues.push(issue(`${path}.matchLabels.${k}`, 'invalid label value', 'InvalidSelector'));
        } else matchLabels[k] = v;
      }
    }
  }
  const matchExpressions: LabelSelectorRequirement[] = [];
  const me = raw['matchExpressions'];
  if (me !== undefined) {
    if (!Array.isArray(me)) issues.push(issue(`${path}.matchExpressions`, 'must be a list', 'InvalidSelector'));
    else {
      me.forEach((req: unknown, i) => {
        const p = `${path}.matchExpressions[${i}]`;
        if (!isRecord(req)) return void issues.push(issue(p, 'must be an object', 'InvalidSelector'));
        const { key, operator, values } = req;
        if (typeof key !== 'string' || !isQualifiedName(key)) issues.push(issue(`${p}.key`, 'invalid label key', 'InvalidSelector'));
        if (typeof operator !== 'string' || !OPERATORS.includes(operator)) {
          return void issues.push(issue(`${p}.operator`, 'must be In, NotIn, Exists or DoesNotExist', 'InvalidSelector'));
        }
        const vals = values === undefined ? [] : values;
        if (!Array.isArray(vals) || !vals.every((v) => typeof v === 'string' && isLabelValue(v))) {
          return void issues.push(issue(`${p}.values`, 'must be a list of label values', 'InvalidSelector'));
        }
        // apimachinery: In/NotIn need a non-empty values set; Exists/DoesNotExist must have none.
        const needsValues = operator === 'In' || operator === 'NotIn';
        if (needsValues && vals.length === 0) issues.push(issue(`${p}.values`, `${operator} needs values`, 'InvalidSelector'));
        if (!needsValues && vals.length > 0) issues.push(issue(`${p}.values`, `${operator} takes no values`, 'InvalidSelector'));
        if (typeof key === 'string') {
          matchExpressions.push({ key, operator: operator as SelectorOperator, values: vals as string[] });
        }
      });
    }
  }
  return { matchLabels, matchExpressions };
}

export function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0;
}

export function matchesSelector(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const k in sel.matchLabels) if (labels[k] !== sel.matchLabels[k]) return false;
  for (const req of sel.matchExpressions) {
    const has = Object.hasOwn(labels, req.key);
    switch (req.operator) {
      case 'In':
        if (!has || !req.values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && req.values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** True when the list is empty (no restriction) or any selector matches (OR semantics). */
export function matchesAny(sels: readonly LabelSelector[], labels: Readonly<Record<string, string>>): boolean {
  return sels.length === 0 || sels.some((s) => matchesSelector(s, labels));
}
