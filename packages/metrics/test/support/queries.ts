// Every PromQL expression vipd ships: the Grafana dashboard's panel targets and template variables
// (charts/vipd/dashboards/vipd.json) and the alert rules (charts/vipd/files/alerts.yaml). Used by the
// catalogue-reference test here and by the Prometheus e2e test (e2e/prometheus.test.ts).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const DASHBOARD_PATH = fileURLToPath(new URL('../../../../charts/vipd/dashboards/vipd.json', import.meta.url));
export const ALERTS_PATH = fileURLToPath(new URL('../../../../charts/vipd/files/alerts.yaml', import.meta.url));

export interface ShippedQuery {
  /** Where it comes from, for failure messages: "alert VipdBgpSessionDown", "panel 'Session state' A". */
  readonly source: string;
  /** PromQL with Grafana variables substituted, ready for Prometheus. */
  readonly expr: string;
}

/** Grafana's interval variables become a fixed range; other variables ($instance) match everything. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$\{?__(rate_interval|interval|range)\}?/g, '5m')
    .replace(/\$\{([A-Za-z_]\w*)(:[a-z]+)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)\]\]/g, '.*');
}

interface Target {
  expr?: string;
  refId?: string;
}
interface Panel {
  title?: string;
  type?: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
interface Dashboard {
  panels: Panel[];
  templating?: { list: Variable[] };
}

export function dashboardQueries(path = DASHBOARD_PATH): ShippedQuery[] {
  const dash = JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
  const out: ShippedQuery[] = [];
  const visit = (panels: readonly Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        if (typeof t.expr === 'string' && t.expr.trim() !== '') {
          out.push({ source: `panel '${p.title ?? '?'}' ${t.refId ?? ''}`, expr: substituteGrafanaVariables(t.expr) });
        }
      }
      visit(p.panels ?? []);
    }
  };
  visit(dash.panels);
  for (const v of dash.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    // label_values(<selector>, <label>): the selector is PromQL; the label must be one it carries,
    // checked by turning it into an aggregation over that label.
    const m = /^label_values\((.+),\s*([A-Za-z_]\w*)\s*\)$/.exec(q.trim());
    if (m === null) throw new Error(`dashboard variable ${v.name}: unsupported query ${q}`);
    out.push({ source: `variable ${v.name}`, expr: substituteGrafanaVariables(`count by (${m[2]}) (${m[1]})`) });
  }
  return out;
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

export function alertQueries(path = ALERTS_PATH): ShippedQuery[] {
  const file = parseYaml(readFileSync(path, 'utf8')) as RuleFile;
  return file.groups.flatMap((g) => g.rules.map((r) => ({ source: `alert ${r.alert ?? r.record ?? '?'}`, expr: String(r.expr) })));
}

export function alertNames(path = ALERTS_PATH): string[] {
  const file = parseYaml(readFileSync(path, 'utf8')) as RuleFile;
  return file.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert])));
}

export function shippedQueries(): ShippedQuery[] {
  return [...dashboardQueries(), ...alertQueries()];
}
