// Reads the metric names and label names a PromQL expression references, with Prometheus's own Lezer
// grammar (@prometheus-io/lezer-promql), and checks them against what the catalogue exports.

import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/**
 * Labels Prometheus or the chart's scrape config attach to every series: `job` and `instance` by
 * Prometheus, `node` by the ServiceMonitor/PodMonitor relabeling in charts/vipd/templates/monitoring.yaml.
 */
export const TARGET_LABELS: readonly string[] = ['job', 'instance', 'node'];

export interface Selector {
  readonly metric: string | null;
  readonly labels: readonly string[];
}

export interface PromqlRefs {
  readonly selectors: readonly Selector[];
  /** Labels named in by/without/on/ignoring/group_left/group_right and label_replace sources. */
  readonly usedLabels: readonly string[];
  /** Labels created by label_replace / label_join. */
  readonly introducedLabels: readonly string[];
  readonly hasSyntaxError: boolean;
}

function unquote(s: string): string {
  return s.length >= 2 ? s.slice(1, -1) : s;
}

export function promqlRefs(expr: string): PromqlRefs {
  const tree = parser.parse(expr);
  const selectors: Selector[] = [];
  const usedLabels: string[] = [];
  const introducedLabels: string[] = [];
  let hasSyntaxError = false;
  const text = (n: SyntaxNode): string => expr.slice(n.from, n.to);

  tree.iterate({
    enter(ref) {
      if (ref.type.isError) hasSyntaxError = true;
      const node = ref.node;
      if (ref.name === 'VectorSelector') {
        let metric: string | null = null;
        const labels: string[] = [];
        const id = node.getChild('Identifier');
        if (id !== null) metric = text(id);
        const matchers = node.getChild('LabelMatchers');
        for (const m of matchers === null ? [] : [...matchers.getChildren('UnquotedLabelMatcher'), ...matchers.getChildren('QuotedLabelMatcher')]) {
          const nameNode = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
          const name = nameNode === null ? '' : m.name === 'QuotedLabelMatcher' ? unquote(text(nameNode)) : text(nameNode);
          const values = m.getChildren('StringLiteral');
          const value = values.length > 0 ? unquote(text(values[values.length - 1])) : '';
          if (name === '__name__' && metric === null) metric = value;
          else labels.push(name);
        }
        selectors.push({ metric, labels });
        return false;
      }
      if (ref.name === 'GroupingLabels') {
        for (const l of node.getChildren('LabelName')) usedLabels.push(text(l));
        for (const l of node.getChildren('QuotedLabelName')) usedLabels.push(unquote(text(l)));
      }
      if (ref.name === 'FunctionCall') {
        const fn = node.getChild('FunctionIdentifier');
        const body = node.getChild('FunctionCallBody');
        const name = fn === null ? '' : text(fn);
        if (body !== null && (name === 'label_replace' || name === 'label_join')) {
          const strings = body.getChildren('StringLiteral').map((s) => unquote(text(s)));
          // label_replace(v, dst, replacement, src, regex); label_join(v, dst, separator, src...)
          if (strings[0] !== undefined) introducedLabels.push(strings[0]);
          const sources = name === 'label_replace' ? strings.slice(2, 3) : strings.slice(2);
          usedLabels.push(...sources);
        }
      }
      return undefined;
    },
  });
  return { selectors, usedLabels, introducedLabels, hasSyntaxError };
}

/** Problems with `expr` against exported series (name → label names); empty when it is sound. */
export function checkExpression(expr: string, series: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const refs = promqlRefs(expr);
  const problems: string[] = [];
  if (refs.hasSyntaxError) problems.push('syntax error');
  const known = new Set<string>([...TARGET_LABELS, ...refs.introducedLabels]);
  for (const s of refs.selectors) {
    if (s.metric === null) {
      problems.push('selector without a metric name');
      continue;
    }
    const labels = series.get(s.metric);
    if (labels === undefined) {
      problems.push(`metric ${s.metric} is not exported by the catalogue`);
      continue;
    }
    for (const l of labels) known.add(l);
    for (const l of s.labels) {
      if (!labels.has(l) && !TARGET_LABELS.includes(l)) problems.push(`metric ${s.metric} has no label ${l}`);
    }
  }
  if (refs.selectors.length === 0) problems.push('references no metric');
  for (const l of refs.usedLabels) {
    if (!known.has(l)) problems.push(`label ${l} is carried by none of the metrics referenced`);
  }
  return problems;
}
