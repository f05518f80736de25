/**
 * An executor that reports how long each node command took, for the agent's metrics: a slow
 * `lvcreate` or a `mount` that hangs on a busy disk shows up per binary, apart from the
 * agent's own time.
 *
 * @module
 */

import type { CommandResult, Executor, RunOptions } from "./executor.ts";

/** One finished command, as the wrapper reports it. */
export interface CommandTiming {
  /** The binary (argv[0]), never the arguments: those name claims and would grow label sets. */
  command: string;
  /** The exit code (a timeout or a lost channel has its own code, see the executors). */
  code: number;
  durationMs: number;
}

/**
 * Wraps any executor and calls `onCommand` after each command, success or not. A command
 * that rejects (refused by the allowlist) is not timed: it never reached the node.
 *
 * @example
 * ```ts
 * import { TimedExecutor, type CommandTiming } from "./timed_executor.ts";
 * const seen: CommandTiming[] = [];
 * const exec = new TimedExecutor(
 *   { run: () => Promise.resolve({ code: 5, stdout: "", stderr: "no" }) },
 *   (t) => seen.push(t),
 * );
 * await exec.run(["lvcreate", "--name", "pvc-1", "vg0"]);
 * if (seen[0].command !== "lvcreate" || seen[0].code !== 5) throw new Error(JSON.stringify(seen));
 * ```
 */
export class TimedExecutor implements Executor {
  constructor(
    readonly inner: Executor,
    readonly onCommand: (timing: CommandTiming) => void,
  ) {}

  async run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const started = performance.now();
    const result = await this.inner.run(argv, options);
    this.onCommand({
      command: argv[0] ?? "",
      code: result.code,
      durationMs: performance.now() - started,
    });
    return result;
  }
}
