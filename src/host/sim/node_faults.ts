/**
 * Fault knobs kept inside a node state file, so a test can arrange faults for an agent
 * running in another process: a delay before every command, and failures that fire on
 * matching commands and count down as they do.
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { array, integer, object, string, strings } from "./persist_check.ts";

/** The next `times` commands whose argv starts with `argvPrefix` fail with this result. */
export interface PersistedFailure {
  argvPrefix: string[];
  code: number;
  stderr: string;
  stdout?: string;
  /** How many more matching commands fail; the entry is dropped when it reaches 0. */
  times: number;
}

/** The fault knobs of one node. */
export interface NodeFaults {
  /** Every command waits this long before it runs (without holding the node's lock). */
  delayMs: number;
  /** Checked in order; the first matching entry fires. */
  failures: PersistedFailure[];
}

/** No delay, no failures. */
export function noFaults(): NodeFaults {
  return { delayMs: 0, failures: [] };
}

function startsWith(argv: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= argv.length && prefix.every((p, i) => argv[i] === p);
}

/**
 * The result of the first failure matching `argv`, counted down (and dropped at zero) in
 * `faults`; undefined when none matches and the command should run.
 *
 * @example
 * ```ts
 * import { takeFailure } from "./node_faults.ts";
 * const faults = {
 *   delayMs: 0,
 *   failures: [{ argvPrefix: ["lvcreate"], code: 5, stderr: "full\n", times: 1 }],
 * };
 * if (takeFailure(faults, ["lvcreate", "vg0"])?.code !== 5) throw new Error("should fire");
 * if (faults.failures.length !== 0) throw new Error("should be used up");
 * ```
 */
export function takeFailure(
  faults: NodeFaults,
  argv: readonly string[],
): CommandResult | undefined {
  const i = faults.failures.findIndex((f) => f.times > 0 && startsWith(argv, f.argvPrefix));
  if (i < 0) return undefined;
  const failure = faults.failures[i];
  failure.times--;
  if (failure.times === 0) faults.failures.splice(i, 1);
  return { code: failure.code, stdout: failure.stdout ?? "", stderr: failure.stderr };
}

/** The knobs as JSON (also checks them, so a bad arrangement fails where it is made). */
export function encodeFaults(faults: NodeFaults): NodeFaults {
  return decodeFaults(JSON.parse(JSON.stringify(faults)), "$.faults");
}

/** Reads the knobs back from JSON. */
export function decodeFaults(value: unknown, at: string): NodeFaults {
  const o = object(value, at, ["delayMs", "failures"]);
  return {
    delayMs: integer(o.delayMs, `${at}.delayMs`),
    failures: array(o.failures, `${at}.failures`).map((f, i) => {
      const where = `${at}.failures[${i}]`;
      const e = object(f, where, ["argvPrefix", "code", "stderr", "stdout", "times"]);
      const failure: PersistedFailure = {
        argvPrefix: strings(e.argvPrefix, `${where}.argvPrefix`),
        code: integer(e.code, `${where}.code`, 1),
        stderr: string(e.stderr, `${where}.stderr`),
        times: integer(e.times, `${where}.times`, 1),
      };
      if (e.stdout !== undefined) failure.stdout = string(e.stdout, `${where}.stdout`);
      return failure;
    }),
  };
}
