// `vipd decode` end to end: spawns the CLI with Node 24 and checks the JSON lines (the documented,
// stable shape of docs/decode.md), exit codes, stdin input, resynchronisation after a bad header,
// --context, --pretty, and tcpdump / tshark dumps.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeCommand } from '../../src/commands/decode.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const node = `${root}node_modules/.bin/node`;
const cli = `${root}packages/controller/src/cli.ts`;
const fixtures = fileURLToPath(new URL('./fixtures/decode/', import.meta.url));
const M = 'ffffffffffffffffffffffffffffffff';

interface Result {
  code: number;
  lines: Record<string, unknown>[];
  stdout: string;
  stderr: string;
}

function parseLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.startsWith('{') && l.endsWith('}')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The real binary path: `node cli.ts decode ...` under Node 24 (used where the process wiring matters). */
function spawnDecode(args: string[], stdin?: string): Result {
  const r = spawnSync(node, [cli, 'decode', ...args], { input: stdin ?? '', encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined);
  return { code: r.status ?? -1, lines: parseLines(r.stdout), stdout: r.stdout, stderr: r.stderr };
}

/** The same command in-process (fast). */
async function decode(args: string[], stdin?: string): Promise<Result> {
  const r = await decodeCommand(args, async () => stdin ?? '');
  return { ...r, lines: parseLines(r.stdout) };
}

const OPEN = `${M} 002d 01 04 fde8 005a 0a000001 10 02 0e 0104 00010001 0104 00020001 0200`;
const KEEPALIVE = `${M} 0013 04`;
const UPDATE = `${M} 0030 02 0000 0014 40010100 40020602010000fde8 40030401020304 20 0a000001`;
const NOTIFICATION = `${M} 0021 03 0602 0b6d61696e74656e616e6365`;
const REFRESH = `${M} 0017 05 0002 01 01`;

describe('vipd decode', () => {
  test('one JSON object per message, in the documented shape (spawned CLI)', () => {
    const r = spawnDecode([OPEN, KEEPALIVE, UPDATE, NOTIFICATION, REFRESH]);
    assert.equal(r.code, 0);
    assert.deepStrictEqual(r.lines, [
      {
        offset: 0, type: 'open', length: 45, version: 4, myAs: 65000, peerAs: 65000, holdTimeSec: 90, bgpId: '10.0.0.1',
        capabilities: [
          { code: 1, kind: 'multiprotocol', afi: 1, safi: 1 },
          { code: 1, kind: 'multiprotocol', afi: 2, safi: 1 },
          { code: 2, kind: 'route-refresh' },
        ],
        otherParams: [],
      },
      { offset: 45, type: 'keepalive', length: 19 },
      {
        offset: 64, type: 'update', length: 48, withdrawn: [],
        attributes: { origin: 'igp', asPath: [{ type: 'sequence', asns: [65000] }], nextHop: '1.2.3.4' },
        nlri: ['10.0.0.1/32'], outcomes: [], endOfRib: null,
      },
      {
        offset: 112, type: 'notification', length: 33, code: 6, subcode: 2, codeName: 'Cease', subcodeName: 'Administrative Shutdown',
        data: '0b6d61696e74656e616e6365', shutdownMessage: 'maintenance',
      },
      { offset: 145, type: 'route-refresh', length: 23, afi: 2, safi: 1, subtype: 1, subtypeName: 'borr' },
    ]);
  });

  test('stdin with comments, colons and 0x (spawned CLI)', () => {
    const r = spawnDecode([], `# a keepalive\n0xff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff 0x00 0x13 0x04\n${UPDATE} # and an update\n`);
    assert.equal(r.code, 0);
    assert.deepStrictEqual(r.lines.map((l) => l.type), ['keepalive', 'update']);
  });

  test('a bad header is reported with its NOTIFICATION and decoding resumes at the next marker', async () => {
    const r = await decode([KEEPALIVE, `${M} 1001 02`, KEEPALIVE]);
    assert.equal(r.code, 1);
    assert.deepStrictEqual(r.lines[1], {
      offset: 19,
      error: { code: 1, subcode: 2, name: 'Message Header Error / Bad Message Length', codeName: 'Message Header Error', subcodeName: 'Bad Message Length', data: '1001' },
    });
    assert.deepStrictEqual(r.lines[2], { offset: 38, type: 'keepalive', length: 19 });
  });

  test('an undecodable OPEN names the message and the error', async () => {
    const r = await decode([`${M} 001d 01 03 fde8 005a 0a000001 00`]);
    assert.equal(r.code, 1);
    assert.deepStrictEqual(r.lines, [{
      offset: 0, type: 'open', length: 29,
      error: { code: 2, subcode: 1, name: 'OPEN Message Error / Unsupported Version Number', codeName: 'OPEN Message Error', subcodeName: 'Unsupported Version Number', data: '0004' },
    }]);
  });

  test('truncated input', async () => {
    const r = await decode([`${M} 0017 05 0002`]);
    assert.equal(r.code, 1);
    assert.equal((r.lines[0]!.error as { name: string }).name, 'Truncated input');
  });

  test('RFC 7606 outcomes are listed (ORIGIN 3 → treat-as-withdraw)', async () => {
    const r = await decode([`${M} 0030 02 0000 0014 40010103 40020602010000fde8 40030401020304 20 0a000001`]);
    assert.equal(r.code, 0);
    const outcomes = r.lines[0]!.outcomes as { action: string; attrCode: number; attrName: string }[];
    assert.equal(outcomes[0]!.action, 'treat-as-withdraw');
    assert.equal(outcomes[0]!.attrCode, 1);
    assert.equal(outcomes[0]!.attrName, 'ORIGIN');
  });

  test('--context four-octet-as=false reads 2-byte AS_PATHs; add-path=ipv4 reads path ids', async () => {
    const two = await decode(['--context', 'four-octet-as=false', `${M} 002e 02 0000 0012 40010100 400204020100fd 40030401020304 20 0a000001`]);
    assert.deepStrictEqual((two.lines[0]!.attributes as { asPath: unknown }).asPath, [{ type: 'sequence', asns: [253] }]);
    const ap = await decode(['--context=add-path=ipv4', `${M} 0034 02 0000 0014 40010100 40020602010000fde8 40030401020304 00000007 20 0a000001`]);
    assert.deepStrictEqual(ap.lines[0]!.nlri, [{ prefix: '10.0.0.1/32', pathId: 7 }]);
  });

  test('IPv6 MP_REACH and extended messages', async () => {
    const v6 = await decode([`${M} 004e 02 0000 0037 40010100 40020602010000fde8 900e0026 0002 01 10 20010db8000000000000000000000001 00 80 20010db8000000000000000000000001`]);
    assert.deepStrictEqual((v6.lines[0]!.attributes as { mpReach: unknown }).mpReach, { afi: 2, safi: 1, nextHop: '2001:db8::1', nlri: ['2001:db8::1/128'] });
    const big = `${M} 1001 02 0000 0000 ${'00'.repeat(4074)}`;
    assert.equal((await decode([big])).code, 1);
    const ext = await decode(['--context', 'extended-message', big]);
    assert.equal(ext.code, 0);
    assert.equal(ext.lines[0]!.length, 4097);
  });

  test('--pretty prints indented JSON', async () => {
    const r = await decode(['--pretty', KEEPALIVE]);
    assert.equal(r.stdout, '{\n  "offset": 0,\n  "type": "keepalive",\n  "length": 19\n}\n');
  });

  test('usage and input errors exit 2', async () => {
    assert.equal((await decode(['--context', 'nonsense', KEEPALIVE])).code, 2);
    assert.equal((await decode(['--context', 'add-path=ipx', KEEPALIVE])).code, 2);
    assert.equal((await decode(['--bogus'])).code, 2);
    assert.equal((await decode(['zz'])).code, 2);
    assert.equal((await decode(['fff'])).code, 2);
    assert.equal((await decode([], '')).code, 2);
  });
});

describe('vipd decode on packet dumps', () => {
  const expected = ['open', 'keepalive', 'keepalive', 'keepalive', 'update', 'keepalive', 'notification', 'keepalive'];
  for (const file of ['loopback-tcpdump-X.txt', 'loopback-tshark-x.txt']) {
    test(file, async () => {
      const r = file.includes('tshark') ? spawnDecode([], readFileSync(`${fixtures}${file}`, 'utf8')) : await decode([], readFileSync(`${fixtures}${file}`, 'utf8'));
      assert.equal(r.code, 0, r.stderr);
      assert.deepStrictEqual(r.lines.map((l) => l.type), expected);
      const flows = new Set(r.lines.map((l) => l.flow));
      assert.equal(flows.size, 2);
      for (const f of flows) assert.match(String(f), /^127\.0\.0\.1:\d+>127\.0\.0\.1:\d+$/);
      assert.equal(r.lines[6]!.shutdownMessage, 'maintenance');
      assert.deepStrictEqual(r.lines[4]!.nlri, ['10.0.0.1/32']);
    });
  }
});

describe('vipd decode negotiates the context of a dump from its OPENs', () => {
  const dump = readFileSync(`${fixtures}as2-peer-tshark-x.txt`, 'utf8');
  test('a 2-byte-AS peer: UPDATEs decode clean without --context', async () => {
    const r = await decode([], dump);
    assert.equal(r.code, 0, r.stderr);
    const updates = r.lines.filter((l) => l.type === 'update');
    assert.ok(updates.length >= 2);
    for (const u of updates) assert.deepStrictEqual(u.outcomes, []);
    const opens = r.lines.filter((l) => l.type === 'open');
    assert.ok(opens.some((o) => o.myAs === 23456 && o.peerAs === 4200000003));
  });
  test('forcing four-octet-as=true misreads the 2-byte AS_PATH (treat-as-withdraw)', async () => {
    const r = await decode(['--context', 'four-octet-as=true'], dump);
    const outcomes = r.lines.filter((l) => l.type === 'update').flatMap((u) => u.outcomes as { attrCode: number }[]);
    assert.ok(outcomes.some((o) => o.attrCode === 2));
  });
});
