// `vipd gen-crds [dir]`: writes the vipd.io CRDs (config/crd-schemas.ts) as YAML files into dir
// (default charts/vipd/crds relative to the repository root). `--check` compares instead of writing
// and exits 1 when a file differs, for CI.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRDS, renderCrdYaml } from '../config/crd-schemas.ts';

export const summary = 'write (or --check) the vipd.io CRD YAML files in charts/vipd/crds';

const DEFAULT_DIR = fileURLToPath(new URL('../../../../charts/vipd/crds/', import.meta.url));

export async function run(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const dir = argv.find((a) => !a.startsWith('--')) ?? DEFAULT_DIR;
  let stale = 0;
  if (!check) mkdirSync(dir, { recursive: true });
  for (const [file, def] of CRDS) {
    const path = join(dir, file);
    const text = renderCrdYaml(def);
    if (check) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        current = '';
      }
      if (current !== text) {
        stale++;
        process.stderr.write(`stale: ${path}\n`);
      }
    } else {
      writeFileSync(path, text);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  return stale === 0 ? 0 : 1;
}
