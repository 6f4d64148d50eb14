// `vipd status`: a summary of a running vipd (version, readiness, peers, routes, decisions, health
// checks) from its status API (GET /api/v1/status and /api/v1/peers), or the raw JSON with --json.

import type { PeersResponse, StatusResponse } from '@vipd/metrics';
import { COMMON_USAGE, getJson, runStatusCommand } from '../status-cli/client.ts';
import { renderStatus } from '../status-cli/format.ts';

export const summary = "show a running vipd's state: readiness, sessions, routes, decisions";

const USAGE = `usage: vipd status [options]\n${COMMON_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  return runStatusCommand(argv, USAGE, async (args, out) => {
    const [status, peers] = await Promise.all([
      getJson<StatusResponse>(args.client, '/api/v1/status'),
      getJson<PeersResponse>(args.client, '/api/v1/peers'),
    ]);
    out(args.isJson ? `${JSON.stringify(status, null, 2)}\n` : `${renderStatus(status, peers.peers)}\n`);
  });
}
