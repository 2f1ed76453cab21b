#!/usr/bin/env node
/**
 * purify-cnn <command> [options]: the installed command line (package.json `bin`). Each command is one module of
 * src/cli/ that parses its own flags; this only picks the module, so `purify-cnn experiment …` takes exactly
 * the flags of `npm run experiment -- …`. Adding a command is one entry in COMMANDS; an entry whose module is not
 * part of this build is left out of --help and refused as unknown.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../lib/package-root.ts';

interface Command {
  readonly describe: string;
  /** The module, relative to this one, without extension (`.ts` from source, `.js` when built). */
  readonly module: string;
}

const COMMANDS: Record<string, Command> = {
  experiment: { describe: 'run a shipped experiment or your own config file, resuming into its output folder', module: './experiment' },
  bench: { describe: 'benchmark the solvers and the tfjs backend (prints a table, writes results/bench/)', module: './bench' },
  paper: { describe: "run the paper's experiments and write the reproduction report", module: './paper' },
};

const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const moduleUrl = (command: Command) => new URL(command.module + EXTENSION, import.meta.url);
const AVAILABLE = Object.fromEntries(Object.entries(COMMANDS).filter(([, c]) => existsSync(fileURLToPath(moduleUrl(c)))));

function usage(): string {
  const width = Math.max(...Object.keys(AVAILABLE).map((c) => c.length));
  return [
    'Usage: purify-cnn <command> [options]',
    '',
    "Reference harness for 'Purification of Contaminated CNNs via Robust Recovery' (Lu, Huang, Wang).",
    '',
    'Commands:',
    ...Object.entries(AVAILABLE).map(([name, c]) => `  ${name.padEnd(width)}  ${c.describe}`),
    '',
    'Run `purify-cnn <command> --help` for its options. Examples:',
    '  purify-cnn experiment --list',
    '  purify-cnn experiment synthetic-sweep --trials 1 --out out',
    '  purify-cnn experiment ./my-config.yaml   (presets in ./configs/<group>/ are found before the shipped ones)',
  ].join('\n');
}

function version(): string {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  console.log(usage());
  process.exit(name === undefined ? 2 : 0);
}
if (name === '--version' || name === '-v') {
  console.log(version());
  process.exit(0);
}
const command = Object.hasOwn(AVAILABLE, name) ? AVAILABLE[name] : undefined;
if (!command) {
  console.error(`error: unknown command '${name}'; expected one of: ${Object.keys(AVAILABLE).join(', ')}\nrun purify-cnn --help for usage`);
  process.exit(2);
}
// The command module reads process.argv itself, as it does under `npm run`, and sees itself as the script run.
process.argv = [process.argv[0], fileURLToPath(moduleUrl(command)), ...rest];
process.env.PURIFY_CNN_INVOKED_AS = `purify-cnn ${name}`;
await import(moduleUrl(command).href);
