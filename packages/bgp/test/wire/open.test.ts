// OPEN golden vectors (RFC 4271 §4.2, RFC 5492, RFC 9072), the two capability layouts (all in one
// parameter as BIRD sends; one per parameter as FRR and Junos send), and the AS helpers (RFC 6793).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AS_TRANS } from '../../src/wire/constants.ts';
import { decodeOpen, encodeOpen, findCapability, myAsFor, peerAsn } from '../../src/wire/open.ts';
import type { OpenMessage } from '../../src/wire/types.ts';
import { defineWireCases, frameOne } from '../support/wire-fixture.ts';

function codec(capabilityParams: 'one' | 'each') {
  return {
    decode(bytes: Uint8Array): OpenMessage {
      const f = frameOne(bytes);
      assert.equal(f.type, 1);
      return decodeOpen(f.message, 19, f.length);
    },
    encode: (m: OpenMessage) => encodeOpen(m, { capabilityParams }),
  };
}

const bird: OpenMessage = {
  type: 'open', version: 4, myAs: 64000, holdTimeSec: 90, bgpId: '10.0.0.1',
  capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'route-refresh' },
    { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
    { kind: 'extended-message' },
    { kind: 'graceful-restart', restartState: false, notification: true, restartTimeSec: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }, { afi: 2, safi: 1, forwardingPreserved: false }] },
    { kind: 'four-octet-as', asn: 64000 },
    { kind: 'add-path', entries: [{ afi: 1, safi: 1, sendReceive: 3 }, { afi: 2, safi: 1, sendReceive: 1 }] },
    { kind: 'enhanced-route-refresh' },
  ],
  otherParams: [],
};

const oneParam = [
  {
    name: 'OPEN with every capability vipd acts on, one parameter',
    hex: `ffffffffffffffffffffffffffffffff # marker
          0055                             # length 85
          01                               # type OPEN
          04                               # version 4
          fa00                             # My AS 64000
          005a                             # hold time 90
          0a000001                         # BGP identifier 10.0.0.1
          38                               # optional parameters length 56
          02 36                            # parameter 2 (capabilities), length 54
            01 04 0001 00 01               # MP IPv4 unicast
            01 04 0002 00 01               # MP IPv6 unicast
            02 00                          # route refresh
            05 06 0001 0001 0002           # extended next hop: IPv4/unicast via IPv6
            06 00                          # extended message
            40 0a 4078 000101 80 000201 00 # graceful restart N, 120 s; IPv4 fwd, IPv6
            41 04 0000fa00                 # four-octet AS 64000
            45 08 000101 03 000201 01      # add-path IPv4 both, IPv6 receive
            46 00                          # enhanced route refresh`,
    message: bird,
  },
  {
    name: 'OPEN without optional parameters',
    hex: `ffffffffffffffffffffffffffffffff 001d 01 # header, length 29
          04 0001 0000 01020304 00                # version, AS 1, hold 0, id 1.2.3.4, no parameters`,
    message: { type: 'open', version: 4, myAs: 1, holdTimeSec: 0, bgpId: '1.2.3.4', capabilities: [], otherParams: [] },
  },
  {
    name: 'OPEN with a non-capability optional parameter kept raw',
    hex: `ffffffffffffffffffffffffffffffff 0020 01 # header, length 32
          04 0001 00b4 01020304                   # version, AS 1, hold 180, id
          03 01 01 00                             # parameters length 3: type 1 (old auth), length 1, 00`,
    message: { type: 'open', version: 4, myAs: 1, holdTimeSec: 180, bgpId: '1.2.3.4', capabilities: [], otherParams: [{ type: 1, value: Uint8Array.of(0) }] },
  },
  {
    name: 'OPEN with RFC 9072 extended optional parameters',
    hex: `ffffffffffffffffffffffffffffffff 01b7 01 # header, length 439
          04 fa00 005a 0a000001                   # version, AS 64000, hold 90, id
          ff                                      # Non-Ext OP Len 255
          ff 0197                                 # Non-Ext OP Type 255, Extended Opt. Parm. Length 407
          02 0194                                 # parameter 2, 2-octet length 404
            80 c8 ${'aa'.repeat(200)}             # unknown capability 128, 200 bytes
            81 c8 ${'bb'.repeat(200)}             # unknown capability 129, 200 bytes`,
    message: {
      type: 'open', version: 4, myAs: 64000, holdTimeSec: 90, bgpId: '10.0.0.1',
      capabilities: [
        { kind: 'unknown', code: 128, value: new Uint8Array(200).fill(0xaa) },
        { kind: 'unknown', code: 129, value: new Uint8Array(200).fill(0xbb) },
      ],
      otherParams: [],
    },
  },
] as const satisfies readonly { name: string; hex: string; message: OpenMessage }[];

const frrStyle: OpenMessage = {
  type: 'open', version: 4, myAs: AS_TRANS, holdTimeSec: 180, bgpId: '192.0.2.1',
  capabilities: [
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'unknown', code: 128, value: new Uint8Array(0) },
    { kind: 'four-octet-as', asn: 4200000001 },
    { kind: 'role', role: 3 },
    { kind: 'llgr', entries: [{ afi: 2, safi: 1, forwardingPreserved: true, staleTimeSec: 3600 }] },
    { kind: 'fqdn', hostname: 'tor-1', domain: 'lab' },
  ],
  otherParams: [],
};

const eachParam = [
  {
    name: 'OPEN with one capability per parameter, AS_TRANS and a 4-byte AS',
    hex: `ffffffffffffffffffffffffffffffff 004f 01 # header, length 79
          04                                      # version
          5ba0                                    # My AS 23456 (AS_TRANS)
          00b4                                    # hold time 180
          c0000201                                # BGP identifier 192.0.2.1
          32                                      # optional parameters length 50
          02 06 01 04 0002 00 01                  # param: MP IPv6 unicast
          02 02 80 00                             # param: Cisco capability 128 (unknown, kept)
          02 06 41 04 fa56ea01                    # param: four-octet AS 4200000001
          02 03 09 01 03                          # param: role customer
          02 09 47 07 0002 01 80 000e10           # param: LLGR IPv6 unicast F, 3600 s
          02 0c 49 0a 05 746f722d31 03 6c6162     # param: FQDN "tor-1" "lab"`,
    message: frrStyle,
  },
] as const satisfies readonly { name: string; hex: string; message: OpenMessage }[];

describe('OPEN golden vectors, capabilities in one parameter', () => {
  const n = defineWireCases(codec('one'), oneParam);
  test('count', () => assert.ok(n > 0));
});

describe('OPEN golden vectors, one capability per parameter', () => {
  const n = defineWireCases(codec('each'), eachParam);
  test('count', () => assert.ok(n > 0));
});

describe('AS helpers (RFC 6793)', () => {
  test('myAsFor puts AS_TRANS in My AS only when the AS does not fit 2 octets', () => {
    assert.equal(myAsFor(65535), 65535);
    assert.equal(myAsFor(65536), AS_TRANS);
    assert.equal(myAsFor(4200000001), AS_TRANS);
    assert.equal(myAsFor(64512), 64512);
  });
  test('peerAsn prefers the four-octet AS capability', () => {
    assert.equal(peerAsn(frrStyle), 4200000001);
    assert.equal(peerAsn({ myAs: 65001, capabilities: [] }), 65001);
    assert.equal(findCapability(frrStyle, 'role')?.role, 3);
    assert.equal(findCapability(bird, 'role'), undefined);
  });
});

describe('OPEN encode limits', () => {
  test('rejects an out-of-range field with a typed error', () => {
    for (const m of [{ ...bird, myAs: 70000 }, { ...bird, holdTimeSec: -1 }, { ...bird, bgpId: '1.2.3' }, { ...bird, otherParams: [{ type: 255, value: new Uint8Array(0) }] }]) {
      assert.throws(() => encodeOpen(m), (err: unknown) => (err as { code?: string }).code === 'ERR_BGP_ENCODE');
    }
  });
  test('a classic encoding stays classic up to 255 bytes of parameters', () => {
    const caps = [{ kind: 'unknown' as const, code: 200, value: new Uint8Array(251) }];
    const bytes = encodeOpen({ ...bird, capabilities: caps });
    assert.equal(bytes[28], 255);
    assert.equal(bytes[29], 2);
    assert.deepStrictEqual(decodeOpen(bytes, 19, bytes.length).capabilities, caps);
  });
});
