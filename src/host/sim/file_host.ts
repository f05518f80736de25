/**
 * A simulated node whose state lives in a file, so it outlives the process using it (an
 * agent killed and restarted finds the LVs, mounts and units it made) and several
 * processes (agents, tests) can share one node. Every access takes an exclusive `flock`
 * on a sibling `<path>.lock`, reads the file, and replaces it atomically (temp file +
 * rename) when something changed. Needs only read and write access to the file's
 * directory: no subprocess, no environment.
 *
 * @module
 */

import type { CommandResult, Executor, RunOptions } from "../executor.ts";
import { timeoutResult } from "../local_executor.ts";
import { initialState, type VgSeed } from "./build.ts";
import type { LoggedCommand } from "./host.ts";
import { SimulatedHost } from "./host.ts";
import { type NodeFaults, noFaults, takeFailure } from "./node_faults.ts";
import { parseNodeFile, serializeState } from "./persist.ts";
import { NodeFileError } from "./persist_check.ts";
import type { HostState } from "./state.ts";

/** How {@link FileBackedHost.init} builds a node. */
export interface NodeFileInit {
  vgs: readonly VgSeed[];
  /** Directories the root filesystem starts with (default: the simulator's usual ones). */
  dirs?: readonly string[];
  faults?: Partial<NodeFaults>;
  /** Replace a node file that already exists (default: refuse). */
  replace?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` holding the node's exclusive lock; the kernel drops it if the process dies. */
async function locked<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = await Deno.open(`${path}.lock`, { read: true, write: true, create: true });
  try {
    await lock.lock(true);
    return await fn();
  } finally {
    lock.close(); // Closing the last handle releases the lock.
  }
}

async function load(path: string): Promise<{ text: string; state: HostState; faults: NodeFaults }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new NodeFileError(`no simulated node at ${path} (create it with FileBackedHost.init)`, {
      cause: error,
    });
  }
  try {
    return { text, ...parseNodeFile(text) };
  } catch (error) {
    if (error instanceof NodeFileError) throw new NodeFileError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Writes the file unless its text is unchanged; a reader sees the old or the new file whole. */
async function save(path: string, before: string, after: string): Promise<void> {
  if (after === before) return;
  // One fixed temp name is safe: only the lock holder writes it.
  const temp = `${path}.tmp`;
  await Deno.writeTextFile(temp, after);
  await Deno.rename(temp, path);
}

/** A node file's text and what it parsed to (the state is never changed in place). */
interface Parsed {
  text: string;
  state: HostState;
  faults: NodeFaults;
}

/** An {@link Executor} on a simulated node kept in a file. */
export class FileBackedHost implements Executor {
  readonly #log: LoggedCommand[] = [];
  /**
   * The file as this object last read or wrote it. Parsing and checking the file is most of a
   * command's cost on a node with hundreds of volumes, and the text is unchanged unless someone
   * else wrote it; a command replaces the state object rather than changing it, so the parsed
   * state can be reused as it is.
   */
  #parsed?: Parsed;

  /** A node in an existing file (see {@link FileBackedHost.init}). */
  constructor(readonly path: string) {}

  /**
   * Creates a node file with the given VGs; refuses to overwrite one unless `replace`.
   *
   * @example
   * ```ts
   * import { FileBackedHost } from "./file_host.ts";
   * const dir = await Deno.makeTempDir();
   * const host = await FileBackedHost.init(`${dir}/node.json`, {
   *   vgs: [{ name: "vg0", sizeBytes: 2 ** 30 }],
   * });
   * if ((await host.run(["mkdir", "-p", "/data/a"])).code !== 0) throw new Error("mkdir");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async init(path: string, init: NodeFileInit): Promise<FileBackedHost> {
    const text = serializeState(initialState(init.vgs, init.dirs), {
      ...noFaults(),
      ...init.faults,
    });
    await locked(path, async () => {
      if (!init.replace) {
        const exists = await Deno.lstat(path).then(() => true, (e) => {
          if (e instanceof Deno.errors.NotFound) return false;
          throw e;
        });
        if (exists) throw new Deno.errors.AlreadyExists(`${path} already holds a simulated node`);
      }
      await save(path, "", text);
    });
    return new FileBackedHost(path);
  }

  /** Commands this object ran (this process only), in order. */
  get log(): readonly LoggedCommand[] {
    return this.#log;
  }

  /**
   * Runs one command against the node. The file's `delayMs` is slept first without the
   * lock (so others, e.g. a test inspecting the node, are not blocked), and a delay at or
   * beyond the command's timeout ends it like a killed command, without effect.
   */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const first = await this.#attempt(argv, options, true);
    if (typeof first !== "number") return first;
    const limit = options.timeoutMs;
    if (limit !== undefined && first >= limit) {
      await sleep(limit);
      const result = timeoutResult(argv[0] ?? "", "", "", limit, "SIGTERM");
      this.#log.push({ argv: [...argv], code: result.code, fault: "hang" });
      return result;
    }
    await sleep(first);
    return await this.#attempt(argv, options, false) as CommandResult;
  }

  /** Runs the command under the lock, or returns the delay to sleep first. */
  #attempt(
    argv: readonly string[],
    options: RunOptions,
    delay: boolean,
  ): Promise<CommandResult | number> {
    return locked(this.path, async () => {
      const { text, state, faults } = await this.#load();
      if (delay && faults.delayMs > 0) return faults.delayMs;
      const failure = takeFailure(faults, argv);
      if (failure) {
        await this.#save(text, state, faults);
        this.#log.push({ argv: [...argv], code: failure.code, fault: "fail" });
        return failure;
      }
      const host = SimulatedHost.fromState(state);
      const result = await host.run(argv, options);
      // A query keeps the state object: nothing changed, nothing to write.
      if (host.currentState() === state) this.#parsed = { text, state, faults };
      else await this.#save(text, host.currentState(), faults);
      this.#log.push(...host.log);
      return result;
    });
  }

  /** Loads the file, reusing the last parse when the text is the same (see `#parsed`). */
  async #load(): Promise<Parsed> {
    const cached = this.#parsed;
    this.#parsed = undefined;
    const text = await Deno.readTextFile(this.path).catch(() => undefined);
    if (cached && text === cached.text) {
      // The fault knobs are changed in place (counters): hand out a copy.
      return { text, state: cached.state, faults: structuredClone(cached.faults) };
    }
    return await load(this.path);
  }

  async #save(before: string, state: HostState, faults: NodeFaults): Promise<void> {
    const after = serializeState(state, faults);
    await save(this.path, before, after);
    this.#parsed = { text: after, state, faults: structuredClone(faults) };
  }
}

/**
 * Loads the node under its lock into a {@link SimulatedHost} and calls `fn`, which may read
 * it (`snapshot()`, `listLvs()`, ...), arrange it (`hold`, `setFilesystem`, `writeFile`,
 * commands) or change the fault knobs; saves what changed, unless `fn` throws. The host is
 * only valid inside `fn` (a `hold()`'s release function is not: use `release(path)` in a
 * later call).
 *
 * @example
 * ```ts
 * import { FileBackedHost, withNode } from "./file_host.ts";
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/node.json`;
 * await FileBackedHost.init(path, { vgs: [{ name: "vg0", sizeBytes: 2 ** 30 }] });
 * await withNode(path, (host, faults) => {
 *   host.writeFile("/var/lib/marker", "x");
 *   faults.delayMs = 5;
 * });
 * if (await withNode(path, (host) => host.readFile("/var/lib/marker")) !== "x") {
 *   throw new Error("not saved");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function withNode<T>(
  path: string,
  fn: (host: SimulatedHost, faults: NodeFaults) => T | Promise<T>,
): Promise<T> {
  return locked(path, async () => {
    const { text, state, faults } = await load(path);
    const host = SimulatedHost.fromState(state);
    const result = await fn(host, faults);
    const after = serializeState(host.currentState(), faults);
    // What fn arranged must read back, or the next command would meet a broken file.
    if (after !== text) parseNodeFile(after);
    await save(path, text, after);
    return result;
  });
}
