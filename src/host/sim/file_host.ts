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

/**
 * Writes the file unless its text is unchanged; a reader sees the old or the new file whole.
 * Every write first puts a new random stamp in `<path>.stamp`, so a process that parsed the
 * file before can tell from the stamp alone whether anyone wrote it since, without reading
 * it. Stamp first: a writer that dies in between leaves a stamp that matches nobody's.
 * Returns the stamp written, or undefined when the text was unchanged and nothing was.
 */
async function save(path: string, before: string, after: string): Promise<string | undefined> {
  if (after === before) return undefined;
  const stamp = crypto.randomUUID();
  await Deno.writeTextFile(`${path}.stamp`, stamp);
  // One fixed temp name is safe: only the lock holder writes it.
  const temp = `${path}.tmp`;
  await Deno.writeTextFile(temp, after);
  await Deno.rename(temp, path);
  return stamp;
}

/** What tells one version of a node file from another without reading it. */
interface Version {
  stamp: string | undefined;
  size: number;
  mtimeMs: number | undefined;
}

/** The file's version; `stamp` when the caller has just written it and need not read it. */
async function versionOf(path: string, stamp?: string): Promise<Version | undefined> {
  const [read, info] = await Promise.all([
    stamp ?? Deno.readTextFile(`${path}.stamp`).catch(() => undefined),
    Deno.stat(path).catch(() => undefined),
  ]);
  return info && { stamp: read, size: info.size, mtimeMs: info.mtime?.getTime() };
}

/** Same stamp, and (against a writer that bypasses {@link save}) same size and mtime. */
function sameVersion(a: Version | undefined, b: Version | undefined): boolean {
  return a !== undefined && b !== undefined && a.stamp !== undefined &&
    a.stamp === b.stamp && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** A node file's text, its version, and what it parsed to. */
interface Parsed {
  text: string;
  version: Version | undefined;
  state: HostState;
  faults: NodeFaults;
}

/** An {@link Executor} on a simulated node kept in a file. */
export class FileBackedHost implements Executor {
  readonly #log: LoggedCommand[] = [];
  /**
   * The file as this object last read or wrote it. Reading, parsing and checking the file is
   * most of a command's cost on a node with hundreds of volumes, and it is unchanged unless
   * someone else wrote it (its version says so); so the parsed state is kept, and commands
   * change it in place. Cleared before each command and set again only when the state is
   * known to match the file, so a command that fails part-way leaves nothing stale.
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
      const { text, version, state, faults } = await this.#load();
      if (delay && faults.delayMs > 0) {
        this.#parsed = { text, version, state, faults };
        return faults.delayMs;
      }
      const failure = takeFailure(faults, argv);
      if (failure) {
        await this.#save(text, version, state, faults);
        this.#log.push({ argv: [...argv], code: failure.code, fault: "fail" });
        return failure;
      }
      const host = SimulatedHost.fromState(state, { inPlace: true });
      const result = await host.run(argv, options);
      this.#log.push(...host.log);
      // Unsupported part-way: the file still holds the node as it was; the state is dropped.
      if (host.spoiled) return result;
      if (host.changedInPlace) await this.#save(text, version, state, faults);
      else this.#parsed = { text, version, state, faults };
      return result;
    });
  }

  /** Loads the file, reusing the last parse when its version is the same (see `#parsed`). */
  async #load(): Promise<Parsed> {
    const cached = this.#parsed;
    this.#parsed = undefined;
    const version = await versionOf(this.path);
    if (cached && sameVersion(cached.version, version)) {
      // The fault knobs are changed in place (counters): hand out a copy.
      return { ...cached, faults: structuredClone(cached.faults) };
    }
    return { ...await load(this.path), version };
  }

  async #save(
    before: string,
    version: Version | undefined,
    state: HostState,
    faults: NodeFaults,
  ): Promise<void> {
    const after = serializeState(state, faults);
    const stamp = await save(this.path, before, after);
    // Nothing written: the file is still the version it was.
    if (stamp !== undefined) version = await versionOf(this.path, stamp);
    this.#parsed = { text: after, version, state, faults: structuredClone(faults) };
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
