// `vipd decode`: read BGP messages as hex (arguments or stdin; whole messages with their 19-byte header,
// a stream of them, or a tcpdump/tshark/xxd dump) and print one JSON object per message: decoded fields,
// RFC 7606 outcomes, NOTIFICATION names, or an `error` with the NOTIFICATION the bytes call for.
// The JSON is documented in docs/decode.md; keep it stable.

import { BgpNotificationError, Framer, checkHeader, decodeMessage, HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from '@vipd/bgp/wire';
import type { DecodeContext, OpenMessage } from '@vipd/bgp/wire';
import { errorJson, hex, messageJson } from '../decode/format.ts';
import type { Json } from '../decode/format.ts';
import { DecodeInputError, parseInput } from '../decode/input.ts';
import type { InputFormat } from '../decode/input.ts';
import { contextFromOpens } from '../decode/session-context.ts';

export const summary = 'decode BGP messages given as hex (arguments or stdin) to JSON lines';

const USAGE = `usage: vipd decode [--context LIST] [--format auto|hex|dump] [--pretty] [HEX ... | -]
  HEX        one or more BGP messages (19-byte header included) as hex; whitespace, ':', ',', '0x' and
             '#' comments are ignored. Without HEX (or with -) the hex is read from stdin. A dump with
             offsets (tcpdump -X/-xx, tshark -x, xxd) is recognised and its TCP payloads decoded per flow.
  --context  comma-separated session state the bytes were sent under:
               four-octet-as[=true|false]   (default true)
               extended-message[=true|false] (default false; messages up to 65535 bytes)
               add-path=ipv4[+ipv6|+AFI/SAFI] (families that carry path identifiers)
               ibgp[=true|false]            (default false)
             In a dump without --context, each flow's context is negotiated from the session's OPENs.
  --format   auto (default) detects dumps by their zero offset; hex or dump forces one
  --pretty   indent the JSON
Exit status: 0 every message decoded, 1 some message was an error, 2 usage or input error.`;

class UsageError extends Error {
  readonly code = 'ERR_USAGE';
}

function parseBool(v: string | undefined, key: string): boolean {
  if (v === undefined || v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  throw new UsageError(`--context ${key}: expected true or false, got "${v}"`);
}

const FAMILY_ALIASES: Readonly<Record<string, string>> = { ipv4: '1/1', ipv6: '2/1' };

export function parseContext(spec: string): DecodeContext {
  let fourOctetAs = true;
  let extendedMessage = false;
  let isIbgp = false;
  const addPath = new Set<string>();
  for (const item of spec.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [key, value] = item.split('=', 2) as [string, string | undefined];
    switch (key) {
      case 'four-octet-as': fourOctetAs = parseBool(value, key); break;
      case 'extended-message': extendedMessage = parseBool(value, key); break;
      case 'ibgp': isIbgp = parseBool(value, key); break;
      case 'add-path':
        if (value === undefined || value === '') throw new UsageError('--context add-path needs families, e.g. add-path=ipv4+ipv6');
        for (const fam of value.split('+')) {
          const key2 = FAMILY_ALIASES[fam] ?? fam;
          if (!/^\d{1,5}\/\d{1,3}$/.test(key2)) throw new UsageError(`--context add-path: unknown family "${fam}"`);
          addPath.add(key2);
        }
        break;
      default:
        throw new UsageError(`--context: unknown item "${key}"`);
    }
  }
  return { fourOctetAs, extendedMessage, isIbgp, addPathReceive: addPath };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function findMarker(b: Uint8Array, from: number): number {
  outer: for (let i = from; i + 16 <= b.length; i++) {
    for (let j = 0; j < 16; j++) if (b[i + j] !== 0xff) continue outer;
    return i;
  }
  return -1;
}

function truncated(data: Uint8Array): { [k: string]: Json } {
  return { code: null, subcode: null, name: 'Truncated input', codeName: null, subcodeName: null, data: hex(data) };
}

/** Plain hex: decode message after message; after a header error, resynchronise at the next marker. */
function decodeStream(bytes: Uint8Array, ctx: DecodeContext, emit: (o: { [k: string]: Json }) => void): number {
  const max = ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  let errors = 0;
  let p = 0;
  while (p < bytes.length) {
    if (bytes.length - p < HEADER_LENGTH) {
      emit({ offset: p, error: truncated(bytes.subarray(p)) });
      return errors + 1;
    }
    let length: number;
    try {
      length = checkHeader(bytes, p, max);
    } catch (err) {
      if (!(err instanceof BgpNotificationError)) throw err;
      emit({ offset: p, error: errorJson(err) });
      errors++;
      const next = findMarker(bytes, p + 1);
      if (next < 0) return errors;
      p = next;
      continue;
    }
    if (bytes.length - p < length) {
      emit({ offset: p, error: truncated(bytes.subarray(p)) });
      return errors + 1;
    }
    const message = bytes.subarray(p, p + length);
    const frame = { type: message[18]!, length, message, body: message.subarray(HEADER_LENGTH) };
    try {
      emit({ offset: p, ...messageJson(decodeMessage(frame, ctx), length) });
    } catch (err) {
      if (!(err instanceof BgpNotificationError)) throw err;
      emit({ offset: p, type: TYPE_NAMES[frame.type] ?? null, length, error: errorJson(err) });
      errors++;
    }
    p += length;
  }
  return errors;
}

const TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'open', 2: 'update', 3: 'notification', 4: 'keepalive', 5: 'route-refresh' };

export interface DecodeResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(argv: string[]): Promise<number> {
  const r = await decodeCommand(argv, readStdin);
  if (r.stdout !== '') process.stdout.write(r.stdout);
  if (r.stderr !== '') process.stderr.write(r.stderr);
  return r.code;
}

/** The whole command without touching the process: argv and a stdin reader in, output and exit code out. */
export async function decodeCommand(argv: readonly string[], readInput: () => Promise<string>): Promise<DecodeResult> {
  let pretty = false;
  let format: InputFormat = 'auto';
  let contextGiven = false;
  let ctx: DecodeContext;
  const inputs: string[] = [];
  try {
    let contextSpec = '';
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--pretty') pretty = true;
      else if (a === '--help' || a === '-h') {
        return { code: 0, stdout: `${USAGE}\n`, stderr: '' };
      } else if (a === '--context') {
        const v = argv[++i];
        if (v === undefined) throw new UsageError('--context needs a value');
        contextSpec += `,${v}`;
      } else if (a.startsWith('--context=')) contextSpec += `,${a.slice('--context='.length)}`;
      else if (a === '--format' || a.startsWith('--format=')) {
        const v = a === '--format' ? argv[++i] : a.slice('--format='.length);
        if (v !== 'auto' && v !== 'hex' && v !== 'dump') throw new UsageError('--format is auto, hex or dump');
        format = v;
      } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
      else inputs.push(a);
    }
    ctx = parseContext(contextSpec);
    contextGiven = contextSpec !== '';
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { code: 2, stdout: '', stderr: `vipd decode: ${err.message}\n${USAGE}\n` };
  }

  const text = inputs.length === 0 || (inputs.length === 1 && inputs[0] === '-') ? await readInput() : inputs.join('\n');
  let input;
  try {
    input = parseInput(text, format);
  } catch (err) {
    if (!(err instanceof DecodeInputError)) throw err;
    return { code: 2, stdout: '', stderr: `vipd decode: ${err.message}\n` };
  }
  const lines: string[] = [];
  const emit = (o: { [k: string]: Json }): void => {
    lines.push(pretty ? JSON.stringify(o, null, 2) : JSON.stringify(o));
  };
  let errors = 0;
  if (input.mode === 'hex') {
    if (input.bytes.length === 0) {
      return { code: 2, stdout: '', stderr: 'vipd decode: no input\n' };
    }
    errors = decodeStream(input.bytes, ctx, emit);
  } else {
    // One framer per TCP flow so segments of both directions can interleave. Without --context, each
    // flow's context comes from the session's two OPENs once both are seen (session-context.ts).
    const framers = new Map<string, { framer: Framer; failed: boolean }>();
    const opens = new Map<string, OpenMessage>();
    const reverse = (flow: string) => flow.split('>').reverse().join('>');
    const ctxFor = (flow: string): DecodeContext => {
      const mine = opens.get(flow);
      const theirs = opens.get(reverse(flow));
      return contextGiven || mine === undefined || theirs === undefined ? ctx : contextFromOpens(mine, theirs);
    };
    for (const pkt of input.packets) {
      let st = framers.get(pkt.flow);
      if (st === undefined) {
        st = { framer: new Framer({ extendedMessage: ctx.extendedMessage }), failed: false };
        framers.set(pkt.flow, st);
      }
      if (st.failed || pkt.payload.length === 0) continue;
      st.framer.push(pkt.payload);
      try {
        for (let f = st.framer.next(); f !== undefined; f = st.framer.next()) {
          const fctx = ctxFor(pkt.flow);
          try {
            const msg = decodeMessage(f, fctx);
            emit({ packet: pkt.index, flow: pkt.flow, ...messageJson(msg, f.length) });
            if (msg.type === 'open' && pkt.flow !== 'unknown') {
              opens.set(pkt.flow, msg);
              // RFC 8654: the larger maximum applies once both OPENs carried the capability.
              for (const fl of [pkt.flow, reverse(pkt.flow)]) framers.get(fl)?.framer.setExtendedMessage(ctxFor(fl).extendedMessage);
            }
          } catch (err) {
            if (!(err instanceof BgpNotificationError)) throw err;
            emit({ packet: pkt.index, flow: pkt.flow, type: TYPE_NAMES[f.type] ?? null, length: f.length, error: errorJson(err) });
            errors++;
          }
        }
      } catch (err) {
        if (!(err instanceof BgpNotificationError)) throw err;
        emit({ packet: pkt.index, flow: pkt.flow, error: errorJson(err) });
        st.failed = true;
        errors++;
      }
    }
    for (const [flow, st] of framers) {
      if (!st.failed && st.framer.bufferedBytes > 0) {
        emit({ packet: null, flow, error: truncated(new Uint8Array(0)), bufferedBytes: st.framer.bufferedBytes });
        errors++;
      }
    }
  }
  return { code: errors > 0 ? 1 : 0, stdout: lines.length > 0 ? `${lines.join('\n')}\n` : '', stderr: '' };
}
