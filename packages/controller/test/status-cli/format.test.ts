// Table and duration formatting of the status commands.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, printable, renderTable } from '../../src/status-cli/format.ts';
import { parseCommonArgs, StatusClientError, DEFAULT_STATUS_URL } from '../../src/status-cli/client.ts';

test('durations use the two most significant units', () => {
  const table: [number | null, string][] = [
    [0, '0s'],
    [42, '42s'],
    [192, '3m12s'],
    [3723, '1h02m'],
    [90_061, '1d01h01m'],
    [null, '-'],
    [-1, '-'],
    [Number.NaN, '-'],
  ];
  for (const [sec, want] of table) assert.equal(formatDuration(sec), want, String(sec));
});

test('tables align columns and never pad the last one', () => {
  const t = renderTable(['A', 'Bee', 'C'], [['long-value', 'x', 'last'], ['s', 'yyyy', '']]);
  assert.deepEqual(t.split('\n'), ['A           Bee   C', 'long-value  x     last', 's           yyyy']);
});

test('control characters are removed', () => {
  assert.equal(printable('a\u001b[2Jb\u0007\r\nc\u009b'), 'a [2Jb c ');
});

test('common options: defaults, env, validation', () => {
  const d = parseCommonArgs([], {});
  assert.equal(d.client.url, DEFAULT_STATUS_URL);
  assert.equal(d.client.timeoutMs, 5000);
  assert.equal(d.isJson, false);
  assert.equal(parseCommonArgs([], { VIPD_URL: 'https://10.0.0.1:7472' }).client.url, 'https://10.0.0.1:7472');
  assert.equal(parseCommonArgs(['--url', 'http://a:1', '--json', '--timeout', '0.5'], {}).client.timeoutMs, 500);
  for (const bad of [['--timeout', 'x'], ['--url', 'nope'], ['--url', 'file:///etc/passwd'], ['--what']]) {
    assert.throws(() => parseCommonArgs(bad, {}), (e: unknown) => e instanceof StatusClientError && e.code === 'usage', bad.join(' '));
  }
});
