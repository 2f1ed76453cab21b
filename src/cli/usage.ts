/** What the commands share about their arguments: strict parsing, help, and the usage error it raises. */
import type { Argv } from 'yargs';

/** A mistake in the command line: exit code 2, the message and a pointer to --help, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parse with the commands' common rules: unknown options refused, -h for help, no --version, wrapped help text. */
export function parseStrictly<T>(parser: Argv<T>) {
  return parser
    .strictOptions()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, err) => {
      throw err ?? new UsageError(message);
    })
    .parseAsync();
}
