// `vipd peers [ADDRESS]`: the BGP sessions of a running vipd (GET /api/v1/peers) as a table in the
// style of `birdc show protocols` / `gobgp neighbor`, or one peer's detail, or --json.

import type { PeersResponse } from '@vipd/metrics';
import { COMMON_USAGE, StatusClientError, getJson, runStatusCommand } from '../status-cli/client.ts';
import { renderPeerDetail, renderPeers } from '../status-cli/format.ts';

export const summary = 'list BGP sessions of a running vipd (state, uptime, prefixes, last error)';

const USAGE = `usage: vipd peers [ADDRESS] [options]\n${COMMON_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  return runStatusCommand(argv, USAGE, async (args, out) => {
    if (args.positionals.length > 1) throw new StatusClientError('usage', 'at most one peer address');
    const body = await getJson<PeersResponse>(args.client, '/api/v1/peers');
    const wanted = args.positionals[0];
    if (wanted === undefined) {
      out(args.isJson ? `${JSON.stringify(body, null, 2)}\n` : `${renderPeers(body.peers)}\n`);
      return;
    }
    const peer = body.peers.find((p) => p.address === wanted);
    if (peer === undefined) throw new StatusClientError('usage', `no peer ${wanted}`);
    out(args.isJson ? `${JSON.stringify(peer, null, 2)}\n` : `${renderPeerDetail(peer)}\n`);
  });
}
