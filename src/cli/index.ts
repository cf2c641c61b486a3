import { ConfigError } from '../config/env';
import { DataDirInUseError } from '../db/data-dir-lock';
import { DatabaseNotMigratedError } from '../db/migrations';
import { VERSION } from '../main';
import { HELP, printHelp } from './help';
import { ingest } from './ingest';
import { keys } from './keys';
import { migrate } from './migrate';
import { publish } from './publish';
import { serve } from './serve';
import { webhooksCommand } from './webhooks';
import { entitiesCommand } from './entities';

/** The command line: reads the command, prints help or hands the arguments to the command's module. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    printHelp('main');
    return command ? 0 : 1;
  }
  if (command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!(command in HELP) || command === 'main') {
    process.stderr.write(`digestql: unknown command "${command}"\n\n`);
    printHelp('main');
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    printHelp(command);
    return 0;
  }
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return migrate();
    case 'ingest':
      return ingest(rest);
    case 'publish':
      return publish(rest);
    case 'keys':
      return keys(rest);
    case 'webhooks':
      return webhooksCommand(rest);
    case 'entities':
      return entitiesCommand(rest);
    default:
      return 2;
  }
}

/** Runs the command line and sets the exit code; configuration and data-dir errors are one line, others a stack. */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof ConfigError || err instanceof DataDirInUseError || err instanceof DatabaseNotMigratedError) process.stderr.write(`digestql: ${err.message}\n`);
      else process.stderr.write(`digestql: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
