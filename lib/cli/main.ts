/**
 * The `meit` command line: finds the subcommand, parses its flags, runs it, and turns errors
 * into exit codes (DESIGN.md): 0 done, 1 failed, 2 bad input or usage. A user error prints
 * one line on stderr naming the file; a stack trace only with --debug.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { InputError, UsageError } from '../util/errors.ts';
import type { Command, CommandArgs } from './command.ts';

const COMMANDS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'commands');

/** Loads every command module in lib/cli/commands, sorted by name. */
export async function loadCommands(): Promise<Command[]> {
  const files = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts')).sort();
  const commands: Command[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(COMMANDS_DIR, f)).href)) as { default?: Command };
    if (mod.default) commands.push(mod.default);
  }
  return commands.sort((a, b) => a.name.localeCompare(b.name));
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv.filter((a) => a !== '--debug'));
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`meit: error: ${err.oneLine()}\n`);
      if (debug && err.stack) process.stderr.write(err.stack + '\n');
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`meit: failed: ${message}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    return 1;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const commands = await loadCommands();
  const words = argv.filter((a) => !a.startsWith('-'));
  const two = words.slice(0, 2).join(' ');
  const command = commands.find((c) => c.name === two) ?? commands.find((c) => c.name === words[0]);

  if (!command) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      process.stdout.write(overview(commands));
      return 0;
    }
    if (argv[0] === '--version') {
      process.stdout.write(`${await packageVersion()}\n`);
      return 0;
    }
    const group = commands.filter((c) => c.name.startsWith(`${words[0]} `));
    if (group.length && (words.length === 1 || argv.includes('--help'))) {
      process.stdout.write(overview(group, words[0]));
      return argv.includes('--help') ? 0 : 2;
    }
    throw new UsageError(`unknown command ${JSON.stringify(words.slice(0, group.length ? 2 : 1).join(' '))}; run 'meit --help' for the list`);
  }

  const rest = removeCommandWords(argv, command.name.split(' '));
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  const args = parseCommandArgs(command, rest);
  return (await command.run(args)) ?? 0;
}

function removeCommandWords(argv: string[], names: string[]): string[] {
  const rest = [...argv];
  for (const name of names) rest.splice(rest.indexOf(name), 1);
  return rest;
}

export function parseCommandArgs(command: Command, argv: string[]): CommandArgs {
  const options = Object.fromEntries(
    Object.entries(command.options ?? {}).map(([name, spec]) => [
      name,
      // util.parseArgs rejects keys present with the value undefined.
      { type: spec.type, multiple: spec.multiple ?? false, ...(spec.short ? { short: spec.short } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see 'meit ${command.name} --help')`);
  }
  const specs = command.positionals ?? [];
  const required = specs.filter((p) => !p.optional).length;
  if (parsed.positionals.length < required) {
    throw new UsageError(`missing ${specs[parsed.positionals.length]!.name} (see 'meit ${command.name} --help')`);
  }
  if (parsed.positionals.length > specs.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[specs.length])} (see 'meit ${command.name} --help')`);
  }
  return { positionals: parsed.positionals, options: parsed.values as CommandArgs['options'] };
}

function usageLine(command: Command): string {
  const pos = (command.positionals ?? []).map((p) => (p.optional ? `[${p.name}]` : p.name));
  const opts = Object.keys(command.options ?? {}).length ? ['[options]'] : [];
  return ['meit', command.name, ...pos, ...opts].join(' ');
}

export function commandHelp(command: Command): string {
  const lines = [`Usage: ${usageLine(command)}`, '', command.summary];
  if (command.description) lines.push('', command.description.trim());
  if (command.positionals?.length) {
    lines.push('', 'Arguments:');
    for (const p of command.positionals) lines.push(`  ${p.name.padEnd(22)} ${p.description}`);
  }
  lines.push('', 'Options:');
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' VALUE' : ''}`;
    lines.push(`  ${flag.padEnd(22)} ${spec.description}`);
  }
  lines.push(`  ${'--debug'.padEnd(22)} print stack traces on errors`);
  lines.push(`  ${'-h, --help'.padEnd(22)} show this help`);
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  lines.push('', 'Exit codes: 0 done, 1 failed, 2 bad input or usage.');
  return lines.join('\n') + '\n';
}

function overview(commands: Command[], group?: string): string {
  const lines = [
    group ? `Usage: meit ${group} COMMAND [options]` : 'Usage: meit COMMAND [options]',
    '',
    group ? `Commands under "${group}":` : 'meit-kit: reproduce MEIT (multimodal ECG instruction tuning) on the CPU.',
  ];
  if (!group) lines.push('', 'Commands:');
  for (const c of commands) lines.push(`  ${c.name.padEnd(18)} ${c.summary}`);
  lines.push('', "Run 'meit COMMAND --help' for a command's options. Exit codes: 0 done, 1 failed, 2 bad input or usage.");
  return lines.join('\n') + '\n';
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(join(COMMANDS_DIR, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
