/** Typed parsing of option values, with the one-line errors of the CLI. */
import { UsageError } from '../util/errors.ts';
import type { CommandArgs } from './command.ts';

/** A string option, or `fallback`. */
export function stringOption(args: CommandArgs, name: string): string | undefined;
export function stringOption(args: CommandArgs, name: string, fallback: string): string;
export function stringOption(args: CommandArgs, name: string, fallback?: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : fallback;
}

/** An integer option (optionally bounded); `fallback` when absent. */
export function intOption(args: CommandArgs, name: string, fallback?: number, min = -Infinity, max = Infinity): number | undefined {
  const raw = args.options[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name} expects an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got ${raw}`);
  }
  return value;
}

/** A finite number option; `fallback` when absent. */
export function numberOption(args: CommandArgs, name: string, fallback?: number): number | undefined {
  const raw = args.options[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new UsageError(`--${name} expects a number, got ${JSON.stringify(raw)}`);
  return value;
}

/** A string option that must be present. */
export function requiredOption(args: CommandArgs, name: string): string {
  const raw = args.options[name];
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`missing required option --${name}`);
  return raw;
}

/** A string option restricted to `choices`. */
export function choiceOption<T extends string>(args: CommandArgs, name: string, choices: readonly T[], fallback?: T): T | undefined {
  const raw = args.options[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !choices.includes(raw as T)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}
