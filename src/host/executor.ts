/**
 * The one interface through which anything happens on a node. Every implementation
 * (a real node, a test guest, the simulated host) takes an argv array, never a shell
 * string, so a claim name can never become shell syntax.
 *
 * @module
 */

/** What a finished command left behind. */
export interface CommandResult {
  /** Exit code; 0 means success. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for one command. */
export interface RunOptions {
  /** Bytes to feed on standard input (used to write unit files with `tee`). */
  stdin?: string;
  /** Kill the command after this many milliseconds. */
  timeoutMs?: number;
}

/** Runs one command on a node. Resolves with the result whatever the exit code. */
export interface Executor {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

/** A command exited non-zero (or could not start, or timed out). */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly code: number,
    readonly stderr: string,
    readonly stdout = "",
  ) {
    const detail = stderr.trim() || stdout.trim() || "no output";
    super(`Command ${argv.join(" ")} failed with exit code ${code}: ${detail}`);
    this.name = "CommandError";
  }
}

/** Throws {@link CommandError} unless the result is a success. */
export function throwIfFailed(argv: readonly string[], result: CommandResult): CommandResult {
  if (result.code !== 0) throw new CommandError(argv, result.code, result.stderr, result.stdout);
  return result;
}

/** Runs a command and throws {@link CommandError} unless it exits 0. */
export async function runChecked(
  exec: Executor,
  argv: readonly string[],
  options?: RunOptions,
): Promise<CommandResult> {
  return throwIfFailed(argv, await exec.run(argv, options));
}
