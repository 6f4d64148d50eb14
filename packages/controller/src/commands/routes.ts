// `vipd routes`: the VIP prefixes a running vipd announces (GET /api/v1/routes): peers each goes to,
// path attributes and the Services behind it, as a table or --json.

import type { RoutesResponse } from '@vipd/metrics';
import { COMMON_USAGE, StatusClientError, getJson, runStatusCommand } from '../status-cli/client.ts';
import { renderRoutes } from '../status-cli/format.ts';

export const summary = 'list VIP routes of a running vipd (peers, attributes, Services)';

const USAGE = `usage: vipd routes [options]\n${COMMON_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  return runStatusCommand(argv, USAGE, async (args, out) => {
    if (args.positionals.length > 0) throw new StatusClientError('usage', 'vipd routes takes no arguments');
    const body = await getJson<RoutesResponse>(args.client, '/api/v1/routes');
    out(args.isJson ? `${JSON.stringify(body, null, 2)}\n` : `${renderRoutes(body.routes)}\n`);
  });
}
