// Health-checked VIPs end to end against BIRD 2.0.12 (scenarios in e2e/support/health-scenarios.ts).
import { healthScenarios } from './support/health-scenarios.ts';

healthScenarios('bird', 'vhc-h-');
