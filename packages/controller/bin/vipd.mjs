#!/usr/bin/env node
// The `vipd` command. Sources are TypeScript run by Node 24's type stripping; refuse older Node clearly.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`vipd needs Node 24 or newer (this is ${process.version}); run it through "pnpm exec vipd" in the repo.\n`);
  process.exit(1);
}
await import('../src/cli.ts');
