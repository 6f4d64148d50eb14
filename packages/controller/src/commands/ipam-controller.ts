// `vipd ipam-controller`: the IPAM controller (one elected instance assigns LoadBalancer VIPs from
// IPAddressPools). Serves /metrics, /healthz and /readyz; SIGTERM releases the Lease and exits.

import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { Registry, buildServer, createCatalogue, createLogging, isLogLevel, parseListenAddress } from '@vipd/metrics';
import { loadKubeConfig } from '../kube/informer.ts';
import { IpamController } from '../ipam/controller.ts';

export const summary = 'assign LoadBalancer VIPs from IPAddressPools (one elected instance, Lease)';

function seconds(v: string | undefined, def: number, flag: string): number {
  if (v === undefined) return def;
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v);
  if (m === null) throw new Error(`--${flag}: expected a duration like 15s`);
  return m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string', default: process.env.POD_NAMESPACE ?? 'vipd-system' },
        identity: { type: 'string', default: process.env.POD_NAME ?? hostname() },
        'lease-name': { type: 'string', default: 'vipd-ipam' },
        'lease-duration': { type: 'string' },
        'renew-deadline': { type: 'string' },
        'retry-period': { type: 'string' },
        'metrics-address': { type: 'string', default: ':7473' },
        'log-level': { type: 'string', default: 'info' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`vipd ipam-controller: ${(err as Error).message}\n`);
    return 2;
  }
  const level = values['log-level'];
  if (!isLogLevel(level)) {
    process.stderr.write(`vipd ipam-controller: --log-level: unknown level ${level}\n`);
    return 2;
  }
  let leaseDurationSec: number, renewDeadlineSec: number, retryPeriodSec: number;
  try {
    leaseDurationSec = seconds(values['lease-duration'], 15, 'lease-duration');
    renewDeadlineSec = seconds(values['renew-deadline'], 10, 'renew-deadline');
    retryPeriodSec = seconds(values['retry-period'], 2, 'retry-period');
    if (renewDeadlineSec >= leaseDurationSec) throw new Error('--renew-deadline must be shorter than --lease-duration');
  } catch (err) {
    process.stderr.write(`vipd ipam-controller: ${(err as Error).message}\n`);
    return 2;
  }
  const logging = createLogging({ level, base: { identity: values.identity } });
  const log = logging.component('ipam');
  const registry = new Registry();
  const catalogue = createCatalogue(registry);
  const controller = new IpamController({
    kc: loadKubeConfig(values.kubeconfig),
    namespace: values.namespace,
    identity: values.identity,
    leaseName: values['lease-name'],
    leaseDurationSec,
    renewDeadlineSec,
    retryPeriodSec,
    log,
    metrics: {
      setPoolUsage: (u) => catalogue.control.setPoolUsage(u),
      watchRestart: (resource) => catalogue.control.watchRestarts.inc({ resource }),
      staleConditionsRemoved: (count) => catalogue.control.ipamStaleConditionsRemoved.inc(count),
    },
  });
  const startedAtMs = Date.now();
  const app = buildServer({
    registry,
    logLevel: logging.control,
    readiness: { isConfigLoaded: () => true, isInitialSyncDone: () => controller.synced },
    status: {
      info: () => ({ version: '0.1.0', revision: 'dev', node: values.identity, mode: 'kubernetes', routerId: null, localAsn: null, startedAtMs }),
      peers: () => [],
      routes: () => [],
      decisions: () => [],
      healthChecks: () => [],
    },
  });
  const addr = parseListenAddress(values['metrics-address']);
  await app.listen({ host: addr.host, port: addr.port });
  log.info({ identity: values.identity, metrics: values['metrics-address'] }, 'IPAM controller starting');
  await controller.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log.info({}, 'stopping: releasing the Lease');
  await controller.stop();
  await app.close();
  return 0;
}
