// The `vipd` command line. Each subcommand lives in ./commands/<name>.ts and exports
// `run(argv: string[]): Promise<number>` (the exit code) and `summary` (one line for the help).
// Modules are imported lazily so `vipd decode` never loads the Kubernetes client.

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CommandModule {
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

const commandsDir = fileURLToPath(new URL('./commands/', import.meta.url));

function listCommands(): string[] {
  try {
    return readdirSync(commandsDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();
  } catch {
    return [];
  }
}

async function loadCommand(name: string): Promise<CommandModule | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !listCommands().includes(name)) return undefined;
  return (await import(`./commands/${name}.ts`)) as CommandModule;
}

async function printHelp(): Promise<void> {
  const lines = ['usage: vipd <command> [options]', '', 'commands:'];
  for (const name of listCommands()) {
    let summary: string;
    try {
      summary = (await loadCommand(name))?.summary ?? '';
    } catch (err) {
      // A command whose dependencies are not installed here (e.g. `lab` outside the repository).
      summary = `(unavailable here: ${(err as NodeJS.ErrnoException).code ?? 'load error'})`;
    }
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    await printHelp();
    return name === undefined ? 2 : 0;
  }
  const mod = await loadCommand(name);
  if (mod === undefined) {
    process.stderr.write(`vipd: unknown command "${name}" (try "vipd help")\n`);
    return 2;
  }
  return mod.run(rest);
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
