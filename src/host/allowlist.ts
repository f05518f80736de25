/**
 * The verb allowlist: the one guard every executor (real, simulated, remote) sits behind.
 * Deno's `--allow-run` cannot tell `nsenter lvcreate` from `nsenter sh`, so we check the
 * binary ourselves before anything runs.
 *
 * @module
 */

import { CONTRACT_BINARIES } from "./remote_server.ts";
import type { CommandResult, Executor, RunOptions } from "./executor.ts";

/**
 * The binaries the provisioning steps may run on a node, and nothing else. The list itself
 * lives in remote_server.ts, which must stay free of imports (it is handed to a test guest as
 * one file), so that the guest enforces exactly the same contract.
 */
export const DEFAULT_ALLOWLIST: readonly string[] = Object.freeze([...CONTRACT_BINARIES]);

/**
 * A command was refused before it ran. This is a programming or security error, never a
 * command failure: callers must not treat it like a non-zero exit code.
 */
export class ForbiddenCommandError extends Error {
  constructor(readonly argv: readonly string[], reason: string) {
    super(`Refusing to run ${JSON.stringify(argv)}: ${reason}`);
    this.name = "ForbiddenCommandError";
  }
}

/**
 * Throws {@link ForbiddenCommandError} unless `argv` names an allowed binary by bare name.
 *
 * @example
 * ```ts
 * import { checkArgv, DEFAULT_ALLOWLIST } from "./allowlist.ts";
 * checkArgv(["lvs", "--reportformat", "json"], DEFAULT_ALLOWLIST);
 * ```
 */
export function checkArgv(argv: readonly string[], allowlist: Iterable<string>): void {
  if (!Array.isArray(argv) || argv.length === 0) {
    throw new ForbiddenCommandError(argv ?? [], "empty argv");
  }
  for (const arg of argv) {
    if (typeof arg !== "string") throw new ForbiddenCommandError(argv, "argv holds a non-string");
    if (arg.includes("\0")) throw new ForbiddenCommandError(argv, "argv holds a NUL byte");
  }
  const bin = argv[0];
  if (bin === "") throw new ForbiddenCommandError(argv, "empty binary name");
  if (bin.includes("/")) {
    throw new ForbiddenCommandError(argv, `binary ${bin} must be a bare name, not a path`);
  }
  if (!new Set(allowlist).has(bin)) {
    throw new ForbiddenCommandError(argv, `${bin} is not in the allowlist`);
  }
}

/** Wraps any executor so that only allowlisted binaries reach it. */
export class AllowlistExecutor implements Executor {
  readonly allowlist: ReadonlySet<string>;

  constructor(readonly inner: Executor, allowlist: Iterable<string> = DEFAULT_ALLOWLIST) {
    this.allowlist = new Set(allowlist);
  }

  /** Runs `argv` on the inner executor, or rejects with {@link ForbiddenCommandError}. */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    try {
      checkArgv(argv, this.allowlist);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.inner.run(argv, options);
  }
}
