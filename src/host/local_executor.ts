/**
 * Runs commands on this machine (or, through a prefix such as `nsenter -t 1 ...`, in the
 * host's namespaces). Argv only, never a shell; a cleared environment with a fixed PATH
 * and the C locale, so tool messages are the ones our error predicates know.
 *
 * @module
 */

import type { CommandResult, Executor, RunOptions } from "./executor.ts";

/** The PATH every child gets. */
export const NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Exit code of a command we killed for running too long (as coreutils `timeout` uses). */
export const TIMEOUT_EXIT_CODE = 124;
/** Exit code of a command whose binary does not exist (as shells use). */
export const NOT_FOUND_EXIT_CODE = 127;

/**
 * The result of a command killed for running too long: code 124 and a stderr line that
 * names the timeout (shared with the simulated host, so both look alike).
 */
export function timeoutResult(
  bin: string,
  stdout: string,
  stderr: string,
  timeoutMs: number,
  signal: Deno.Signal,
): CommandResult {
  const sep = stderr && !stderr.endsWith("\n") ? "\n" : "";
  return {
    code: TIMEOUT_EXIT_CODE,
    stdout,
    stderr: `${stderr}${sep}${bin}: timed out after ${timeoutMs} ms (killed with ${signal})\n`,
  };
}

/** How a {@link LocalExecutor} runs commands. */
export interface LocalExecutorOptions {
  /** Prepended to every argv, e.g. `["nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--"]`. */
  prefix?: readonly string[];
  /** Timeout for commands that do not set their own. Default 120 s. */
  defaultTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL once a command timed out. Default 2 s. */
  killGraceMs?: number;
}

const encoder = new TextEncoder();

async function drain(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  chunks: Uint8Array[],
): Promise<void> {
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      chunks.push(value);
    }
  } catch {
    // Cancelled: keep what arrived.
  }
}

function text(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder();
  return chunks.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
}

function trySignal(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

/**
 * The real executor: `Deno.Command` with a cleared environment.
 *
 * Deno resolves a bare binary name through PATH and passes the resolved path as the
 * child's argv[0], so without a prefix coreutils name themselves by it
 * (`/usr/bin/rmdir: failed to remove ...`). Through `nsenter`, which execs the bare name,
 * they print `rmdir: ...` as on a shell. Match messages on their text, not the program name.
 */
export class LocalExecutor implements Executor {
  readonly prefix: readonly string[];
  readonly defaultTimeoutMs: number;
  readonly killGraceMs: number;

  constructor(options: LocalExecutorOptions = {}) {
    this.prefix = [...(options.prefix ?? [])];
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 120_000;
    this.killGraceMs = options.killGraceMs ?? 2_000;
  }

  /**
   * Runs `argv` (after the prefix) and resolves with its exit code and output, whatever
   * the exit code. A missing binary gives code 127, a timeout code 124; both explain
   * themselves on stderr.
   */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const full = [...this.prefix, ...argv];
    if (full.length === 0) throw new Error("LocalExecutor: empty argv");
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(full[0], {
        args: full.slice(1),
        clearEnv: true,
        env: { PATH: NODE_PATH, LC_ALL: "C" },
        stdin: options.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return {
          code: NOT_FOUND_EXIT_CODE,
          stdout: "",
          stderr: `${full[0]}: command not found (PATH=${NODE_PATH})\n`,
        };
      }
      throw error;
    }

    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const outReader = child.stdout.getReader();
    const errReader = child.stderr.getReader();
    const readers = Promise.all([drain(outReader, out), drain(errReader, err)]);
    const feeding = options.stdin === undefined
      ? Promise.resolve()
      : this.#feed(child, options.stdin);

    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    let killedWith: Deno.Signal | undefined;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => {
      killedWith = "SIGTERM";
      trySignal(child, "SIGTERM");
      killTimer = setTimeout(() => {
        killedWith = "SIGKILL";
        trySignal(child, "SIGKILL");
      }, this.killGraceMs);
    }, timeoutMs);

    const status = await child.status;
    clearTimeout(timer);
    clearTimeout(killTimer);
    await feeding;
    // A grandchild may still hold the pipes open; do not wait for it forever.
    let cap: ReturnType<typeof setTimeout> | undefined;
    const capped = new Promise<void>((resolve) => cap = setTimeout(resolve, this.killGraceMs));
    await Promise.race([readers, capped]);
    clearTimeout(cap);
    await Promise.allSettled([outReader.cancel(), errReader.cancel()]);
    await readers;

    const stdout = text(out);
    const stderr = text(err);
    if (killedWith) return timeoutResult(argv[0] ?? full[0], stdout, stderr, timeoutMs, killedWith);
    return { code: status.code, stdout, stderr };
  }

  async #feed(child: Deno.ChildProcess, stdin: string): Promise<void> {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(encoder.encode(stdin));
      await writer.close();
    } catch {
      // The command exited without reading everything (EPIPE): its exit code tells.
    }
  }
}
