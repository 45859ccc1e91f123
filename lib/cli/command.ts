/**
 * The shape of a `meit` subcommand. Each command lives in its own file under
 * lib/cli/commands/ and default-exports a Command; the CLI discovers them by listing that
 * folder. Command modules must stay light at import time (help lists them all): import heavy
 * modules such as tfjs inside `run`.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in --help; include the default there when there is one. */
  description: string;
  multiple?: boolean;
}

export interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export interface CommandArgs {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
}

export interface Command {
  /** One or two words: "reproduce", "data export". */
  name: string;
  summary: string;
  /** Longer help text shown under the usage line. */
  description?: string;
  positionals?: PositionalSpec[];
  options?: Record<string, OptionSpec>;
  /** Examples shown in --help. */
  examples?: string[];
  /** Returns the exit code (0 when omitted). */
  run(args: CommandArgs): Promise<number | void>;
}
