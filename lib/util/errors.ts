/**
 * Errors the user can fix: bad input files, bad flags, bad params.
 *
 * The CLI prints an InputError as one line (`meit: FILE:WHERE: message`) and exits 2; any
 * other exception is a bug in the kit and exits 1 (with a stack trace under --debug).
 */
export class InputError extends Error {
  /** The file at fault, if any. */
  readonly file?: string;
  /** Where in the file: "line 12", "byte 4096", "signal 3"... */
  readonly where?: string;

  constructor(message: string, options: { file?: string; where?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InputError';
    this.file = options.file;
    this.where = options.where;
  }

  /** The one line the CLI prints. */
  oneLine(): string {
    const place = [this.file, this.where].filter(Boolean).join(':');
    return (place ? `${place}: ` : '') + this.message.replace(/\s*\n\s*/g, ' ');
  }
}

/** A usage mistake on the command line (unknown flag, missing argument). Also exit 2. */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Throws an InputError naming `file` unless `condition` holds. */
export function check(condition: unknown, message: string, file?: string, where?: string): asserts condition {
  if (!condition) throw new InputError(message, { file, where });
}

/**
 * Wraps a Node file-system error (ENOENT, EACCES, EISDIR...) in an InputError naming the
 * file, so that a bad path is a one-line user error rather than a stack trace.
 */
export function fileError(err: unknown, file: string, doing = 'read'): Error {
  if (err instanceof InputError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory, expected a file',
    ENOTDIR: 'a parent is not a directory',
    ELOOP: 'too many symbolic links',
    EMFILE: 'too many open files',
  };
  if (code && reasons[code]) return new InputError(`cannot ${doing}: ${reasons[code]}`, { file, cause: err });
  return err instanceof Error ? err : new Error(String(err));
}
