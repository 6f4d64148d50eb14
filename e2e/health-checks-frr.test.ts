// Health-checked VIPs end to end against FRR 8.4.4 (bgpd + zebra, GSHUT route-map; scenarios in
// e2e/support/health-scenarios.ts).
import { healthScenarios } from './support/health-scenarios.ts';

healthScenarios('frr', 'vhc-f-');
