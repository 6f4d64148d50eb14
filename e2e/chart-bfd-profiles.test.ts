// The chart's speaker.bfdProfiles (docs/kubernetes.md "BFD"): rendered with the Helm-engine renderer
// (e2e/tools/helm-render) into a ConfigMap mounted into the speaker and passed as --bfd-profiles; the
// rendered file is accepted by the same validation `vipd daemon --bfd-profiles` runs, and a change of
// the profiles changes the pod template (checksum annotation) so the DaemonSet rolls. Without
// bfdProfiles nothing of it is rendered.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { parseObjects, renderChart, type K8sObject } from './support/chart.ts';
import { validateBfdProfiles } from '../packages/controller/src/standalone/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'vkp-chart-bfd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Ds = K8sObject & { spec: { template: { metadata: { annotations?: Record<string, string> }; spec: {
  containers: { args: string[]; volumeMounts?: { name: string; mountPath: string }[] }[]; volumes?: { name: string; configMap?: { name: string } }[] } } } };

function render(values: string): K8sObject[] {
  const f = join(dir, `v${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, values);
  const r = renderChart([f]);
  assert.ok(r.ok, r.stderr);
  return parseObjects(r.stdout);
}

const speaker = (objs: K8sObject[]) => objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name.endsWith('-speaker')) as Ds;

test('speaker.bfdProfiles → ConfigMap + --bfd-profiles, validated like the flag', { timeout: 120_000 }, () => {
  const objs = render('speaker:\n  bfdProfiles:\n    fast: { minTxMs: 100, minRxMs: 100, multiplier: 3 }\n');
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-bfd-profiles')) as K8sObject & { data: Record<string, string> };
  assert.ok(cm !== undefined, 'ConfigMap rendered');
  assert.deepEqual(validateBfdProfiles(parse(cm.data['bfd-profiles.yaml']!)), {
    default: { minTxMs: 300, minRxMs: 300, multiplier: 3 }, fast: { minTxMs: 100, minRxMs: 100, multiplier: 3 },
  });
  const ds = speaker(objs);
  const c = ds.spec.template.spec.containers[0]!;
  assert.ok(c.args.includes('--bfd-profiles=/etc/vipd/bfd/bfd-profiles.yaml'), c.args.join(' '));
  assert.deepEqual(c.volumeMounts?.find((m) => m.name === 'bfd-profiles')?.mountPath, '/etc/vipd/bfd');
  assert.equal(ds.spec.template.spec.volumes?.find((v) => v.name === 'bfd-profiles')?.configMap?.name, cm.metadata.name);
  const sum = ds.spec.template.metadata.annotations?.['vipd.io/bfd-profiles-checksum'];
  assert.ok(sum !== undefined);
  const other = speaker(render('speaker:\n  bfdProfiles:\n    fast: { minTxMs: 100, minRxMs: 100, multiplier: 5 }\n'));
  assert.notEqual(other.spec.template.metadata.annotations?.['vipd.io/bfd-profiles-checksum'], sum, 'a profile change rolls the pods');
});

test('no bfdProfiles: no ConfigMap, no flag, no volume', { timeout: 120_000 }, () => {
  const objs = render('{}\n');
  assert.equal(objs.some((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-bfd-profiles')), false);
  const ds = speaker(objs);
  assert.equal(ds.spec.template.spec.containers[0]!.args.some((a) => a.startsWith('--bfd-profiles')), false);
  assert.equal(ds.spec.template.spec.volumes, undefined);
});
