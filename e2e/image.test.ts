// The image's build steps, without a container engine (none runs here, and base images cannot be
// pulled): the Dockerfile's production-only install of a clean copy of the tracked sources, the native
// build, and `vipd help` from the result. Fails when a runtime import is only a dev dependency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO } from './support/chart.ts';

test('production-only install of the tracked sources runs vipd (the Dockerfile steps)', { timeout: 240_000 }, () => {
  const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /install --prod --frozen-lockfile --filter '@vipd\/controller\.\.\.'/);
  assert.match(dockerfile, /USER 65532:65532/);
  // The memory figures in BENCHMARKS.md (speaker) are for this heap setting.
  assert.match(dockerfile, /NODE_OPTIONS=--max-semi-space-size=2/);
  const dir = mkdtempSync(join(tmpdir(), 'vipd-image-'));
  try {
    const tracked = execFileSync('git', ['ls-files', 'package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'packages'], { cwd: REPO, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f !== '' && !/\/test\//.test(f));
    for (const f of tracked) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(REPO, f), join(dir, f));
    }
    execFileSync('npx', ['-y', 'pnpm@10.34.8', 'install', '--prod', '--frozen-lockfile', '--filter', '@vipd/controller...', '--ignore-scripts', '--prefer-offline', '--reporter=silent'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
      timeout: 180_000,
    });
    execFileSync('bash', ['packages/bgp/native/build.sh'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const help = execFileSync(process.execPath, ['packages/controller/bin/vipd.mjs', 'help'], { cwd: dir, encoding: 'utf8' });
    assert.match(help, /usage: vipd <command>/);
    assert.match(help, /\bdecode\b/);
    assert.match(help, /\brun\b/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
