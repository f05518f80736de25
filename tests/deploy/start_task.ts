/**
 * The agent's `start` task in deno.json, taken apart: its argv, its permission flags and its
 * entrypoint, plus the checks that keep those flags least-privilege.
 *
 * @module
 */

import { ROOT } from "./manifests.ts";

/** The start task, split into its parts. */
export interface StartTask {
  argv: string[];
  /** `--allow-read=/a,/b` → `allow-read` → `["/a", "/b"]`; a bare `--allow-net` → `[]`. */
  allow: Map<string, string[]>;
  /** The script the task runs (its last argument). */
  entrypoint: string;
}

/** Reads the `start` task from deno.json. */
export async function readStartTask(): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const task: unknown = config.tasks?.start;
  if (typeof task !== "string") throw new Error("deno.json has no string task named start");
  return task;
}

/**
 * Splits a task into argv. Only one plain command is accepted: quotes, variables and shell
 * operators would make the argv (and so the flags) something other than what we read here.
 */
export function parseStartTask(task: string): StartTask {
  if (/["'`$;&|<>()\\]/.test(task)) {
    throw new Error(`start task must be one plain command, got: ${task}`);
  }
  const argv = task.trim().split(/\s+/);
  if (argv[0] !== "deno" || argv[1] !== "run") {
    throw new Error(`start task must be "deno run ...", got: ${task}`);
  }
  const allow = new Map<string, string[]>();
  for (const arg of argv) {
    const flag = /^--(allow-[a-z-]+)(?:=(.*))?$/.exec(arg);
    if (flag) allow.set(flag[1], flag[2] === undefined ? [] : flag[2].split(","));
  }
  const entrypoint = argv[argv.length - 1];
  if (entrypoint.startsWith("-")) throw new Error(`start task ends in a flag: ${entrypoint}`);
  return { argv, allow, entrypoint };
}

/**
 * Flags that the agent must never get: everything, FFI, or read/write/run/import without a
 * list. `--allow-net` and `--allow-env` may be unscoped: the API server's address comes
 * from the pod's environment, and client-node enumerates the environment at import.
 */
export function permissionProblems(task: StartTask): string[] {
  const problems: string[] = [];
  for (const arg of task.argv) {
    if (arg === "-A" || arg === "--allow-all" || /^-[a-zA-Z]*A/.test(arg)) {
      problems.push(`${arg} grants every permission`);
    }
  }
  for (const [flag, values] of task.allow) {
    if (flag === "allow-all") continue; // reported above
    if (flag === "allow-ffi") problems.push("--allow-ffi is never needed");
    const scoped = ["allow-read", "allow-write", "allow-run", "allow-import", "allow-sys"];
    if (scoped.includes(flag) && values.length === 0) {
      problems.push(`--${flag} without a list grants all of it`);
    }
  }
  for (const flag of ["--frozen", "--cached-only"]) {
    if (!task.argv.includes(flag)) problems.push(`${flag} is missing`);
  }
  return problems;
}

/** True when `path` is one of `allowed` or inside one of them. */
export function coveredBy(path: string, allowed: readonly string[]): boolean {
  return allowed.some((dir) =>
    path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`)
  );
}
