// Golden vectors for every capability TLV (RFC 5492 §4), decoded and encoded on their own, plus the
// malformed-length rows that must raise OPEN Message Error / 0 (RFC 4271 §6.2; BIRD bgp_read_capabilities).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCapabilities, encodeCapability } from '../../src/wire/capabilities.ts';
import type { Capability } from '../../src/wire/types.ts';
import { Writer } from '../../src/wire/writer.ts';
import { assertNotification, defineWireCases, expectNotification, hex } from '../support/wire-fixture.ts';

const codec = {
  decode(bytes: Uint8Array): Capability {
    const out: Capability[] = [];
    decodeCapabilities(bytes, out);
    assert.equal(out.length, 1);
    return out[0]!;
  },
  encode(c: Capability): Uint8Array {
    const w = new Writer(8);
    encodeCapability(w, c);
    return w.finish();
  },
};

const cases = [
  { name: 'multiprotocol IPv4 unicast', hex: '01 04 | 0001 00 01  # code 1, len 4, AFI 1, reserved, SAFI 1', message: { kind: 'multiprotocol', afi: 1, safi: 1 } },
  { name: 'multiprotocol IPv6 unicast', hex: '01 04 0002 00 01  # AFI 2', message: { kind: 'multiprotocol', afi: 2, safi: 1 } },
  { name: 'route refresh', hex: '02 00  # code 2, len 0', message: { kind: 'route-refresh' } },
  {
    name: 'extended next hop (RFC 8950)',
    hex: `05 0c          # code 5, len 12
          0001 0001 0002 # NLRI AFI 1, SAFI 1, next hop AFI 2
          0001 0080 0002 # NLRI AFI 1, SAFI 128, next hop AFI 2`,
    message: { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 128, nextHopAfi: 2 }] },
  },
  { name: 'extended message (RFC 8654)', hex: '06 00', message: { kind: 'extended-message' } },
  { name: 'role customer (RFC 9234)', hex: '09 01 03  # role 3 = customer', message: { kind: 'role', role: 3 } },
  {
    name: 'graceful restart R+N, 120 s, two families',
    hex: `40 0a      # code 64, len 10
          c0 78      # flags R (0x8) N (0x4), restart time 0x078 = 120
          0001 01 80 # IPv4 unicast, forwarding preserved
          0002 01 00 # IPv6 unicast, not preserved`,
    message: {
      kind: 'graceful-restart', restartState: true, notification: true, restartTimeSec: 120,
      families: [{ afi: 1, safi: 1, forwardingPreserved: true }, { afi: 2, safi: 1, forwardingPreserved: false }],
    },
  },
  {
    name: 'graceful restart helper only (no families), max time',
    hex: '40 02 | 0f ff  # no flags, restart time 4095',
    message: { kind: 'graceful-restart', restartState: false, notification: false, restartTimeSec: 4095, families: [] },
  },
  { name: 'four-octet AS 4200000001', hex: '41 04 | fa56ea01', message: { kind: 'four-octet-as', asn: 4200000001 } },
  {
    name: 'add-path (RFC 7911)',
    hex: `45 08
          0001 01 03 # IPv4 unicast send+receive
          0002 01 01 # IPv6 unicast receive`,
    message: { kind: 'add-path', entries: [{ afi: 1, safi: 1, sendReceive: 3 }, { afi: 2, safi: 1, sendReceive: 1 }] },
  },
  { name: 'enhanced route refresh (RFC 7313)', hex: '46 00', message: { kind: 'enhanced-route-refresh' } },
  {
    name: 'long-lived graceful restart (RFC 9494)',
    hex: `47 0e
          0001 01 80 000e10 # IPv4 unicast, F bit, stale time 3600
          0002 01 00 ffffff # IPv6 unicast, stale time 2^24-1`,
    message: {
      kind: 'llgr',
      entries: [
        { afi: 1, safi: 1, forwardingPreserved: true, staleTimeSec: 3600 },
        { afi: 2, safi: 1, forwardingPreserved: false, staleTimeSec: 0xffffff },
      ],
    },
  },
  {
    name: 'FQDN hostname (code 73)',
    hex: `49 0a
          05 746f722d31 # hostname length 5 "tor-1"
          03 6c6162     # domain length 3 "lab"`,
    message: { kind: 'fqdn', hostname: 'tor-1', domain: 'lab' },
  },
  { name: 'FQDN with empty domain', hex: '49 03 | 01 61 | 00', message: { kind: 'fqdn', hostname: 'a', domain: '' } },
  { name: 'unknown Cisco 128 kept raw', hex: '80 00', message: { kind: 'unknown', code: 128, value: new Uint8Array(0) } },
  { name: 'unknown 131 with value kept raw', hex: '83 01 | 01', message: { kind: 'unknown', code: 131, value: Uint8Array.of(1) } },
  {
    name: 'malformed FQDN kept raw (informational capability)',
    hex: '49 02 | 05 61  # hostname length 5 but 1 byte',
    message: { kind: 'unknown', code: 73, value: Uint8Array.of(5, 0x61) },
  },
  {
    name: 'malformed LLGR kept raw (informational capability)',
    hex: '47 03 | 0001 01',
    message: { kind: 'unknown', code: 71, value: Uint8Array.of(0, 1, 1) },
  },
] as const satisfies readonly { name: string; hex: string; message: Capability }[];

describe('capability golden vectors', () => {
  const n = defineWireCases<Capability>(codec, cases);
  test('vector count', () => assert.ok(n >= 18));
});

describe('every code the codec knows has a vector', () => {
  test('codes 1 2 5 6 9 64 65 69 70 71 73', () => {
    const seen = new Set(cases.map((c) => hex(c.hex)[0]));
    for (const code of [1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73]) assert.ok(seen.has(code), `code ${code}`);
  });
});

describe('malformed capabilities → 2/0 (RFC 4271 §6.2, BIRD bgp_read_capabilities)', () => {
  const rows = [
    ['truncated TLV header', '01'],
    ['TLV overruns the parameter', '41 04 0000'],
    ['multiprotocol length 3', '01 03 000101'],
    ['route refresh length 1', '02 01 00'],
    ['extended next hop length 5', '05 05 0001000100'],
    ['extended message length 1', '06 01 00'],
    ['role length 2', '09 02 0303'],
    ['graceful restart length 3', '40 03 007800'],
    ['graceful restart length 1', '40 01 00'],
    ['four-octet AS length 2', '41 02 fde8'],
    ['add-path length 5', '45 05 0001010300'],
    ['enhanced route refresh length 1', '46 01 00'],
  ] as const;
  for (const [name, h] of rows) {
    test(name, () => {
      const err = expectNotification(() => decodeCapabilities(hex(h), []));
      assertNotification(err, { code: 2, subcode: 0, data: '' });
    });
  }
});

describe('capability encode errors are typed', () => {
  const bad: Capability[] = [
    { kind: 'graceful-restart', restartState: false, notification: false, restartTimeSec: 4096, families: [] },
    { kind: 'four-octet-as', asn: 2 ** 32 },
    { kind: 'multiprotocol', afi: 70000, safi: 1 },
    { kind: 'fqdn', hostname: 'x'.repeat(256), domain: '' },
    { kind: 'unknown', code: 200, value: new Uint8Array(256) },
  ];
  for (const c of bad) {
    test(`${c.kind} out of range`, () => {
      assert.throws(() => codec.encode(c), (err: unknown) => (err as { code?: string }).code === 'ERR_BGP_ENCODE');
    });
  }
});
