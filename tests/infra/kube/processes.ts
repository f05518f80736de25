/**
 * Starting and stopping the control-plane processes, with their output in log files.
 *
 * Each component runs as `sh -c 'exec "$@" >log 2>&1'`: `exec` keeps the pid of the component itself,
 * and the shell's redirection writes the log without a stream pump in this process, so a detached
 * cluster keeps logging after the CLI that started it has exited.
 * @module
 */

/** A running (or once running) component. `child` is set when this process spawned it. */
export interface ComponentProcess {
  name: string;
  pid: number;
  binary: string;
  logFile: string;
  child?: Deno.ChildProcess;
}

/** Options of {@linkcode spawnComponent}. */
export interface SpawnOptions {
  name: string;
  binary: string;
  args: string[];
  logFile: string;
  /** Own process group, survives the exit of this process (for the CLI). */
  detached?: boolean;
}

// `>` truncates: each start of a component gets a fresh log.
const REDIRECT = 'log=$1; shift; exec "$@" >"$log" 2>&1';

/**
 * Spawns a component with stdout and stderr in `logFile` (truncated), and a cleared environment.
 *
 * @example
 * ```ts ignore
 * const etcd = spawnComponent({ name: "etcd", binary: "/bin/etcd", args: [], logFile: "etcd.log" });
 * await stopComponent(etcd);
 * ```
 */
export function spawnComponent(options: SpawnOptions): ComponentProcess {
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", REDIRECT, options.name, options.logFile, options.binary, ...options.args],
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin", LC_ALL: "C" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: options.detached ?? false,
  }).spawn();
  if (options.detached) child.unref();
  return { ...options, pid: child.pid, child };
}

/**
 * `ps` state and argv of `pid`, or `undefined` if there is no such process. Deno refuses to read
 * `/proc/<pid>/*` without --allow-all, so ask procps' `ps` (covered by --allow-run).
 */
function psLine(pid: number): { state: string; argv0: string } | undefined {
  const { code, stdout } = new Deno.Command("ps", {
    args: ["-o", "stat=", "-o", "args=", "-p", String(pid)],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  const [state, argv0] = new TextDecoder().decode(stdout).trim().split(/\s+/);
  return code === 0 && state ? { state, argv0 } : undefined;
}

/** Whether `pid` is a live process (a zombie counts as exited). */
export function isAlive(pid: number): boolean {
  const ps = psLine(pid);
  return ps !== undefined && !ps.state.startsWith("Z");
}

/** Whether `pid` is still the component we started (guards against pid reuse in `down`). */
export function runsBinary(pid: number, binary: string): boolean {
  const ps = psLine(pid);
  return ps !== undefined && !ps.state.startsWith("Z") && ps.argv0 === binary;
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch (error) {
    // Already gone: that is what we want.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function waitForExit(process: ComponentProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(process.pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isAlive(process.pid);
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited (and been reaped, if
 * it is our child). Throws if it survives SIGKILL.
 *
 * @example
 * ```ts ignore
 * await stopComponent(apiserver, 10_000);
 * ```
 */
export async function stopComponent(process: ComponentProcess, graceMs = 10_000): Promise<void> {
  // A pid read back from a state file may have been reused by an unrelated process by now.
  const ours = process.child !== undefined || runsBinary(process.pid, process.binary);
  if (ours && isAlive(process.pid)) {
    signal(process.pid, "SIGTERM");
    if (!await waitForExit(process, graceMs)) {
      signal(process.pid, "SIGKILL");
      if (!await waitForExit(process, 5_000)) {
        throw new Error(`${process.name} (pid ${process.pid}) survived SIGKILL`);
      }
    }
  }
  // Reap our own child and release its resource (Deno test sanitizers track it).
  if (process.child) await process.child.status;
}

/**
 * Returns `count` distinct free TCP ports on 127.0.0.1. All listeners stay open until every port is
 * chosen, so the ports differ; another process could still take one before we bind it.
 *
 * @example
 * ```ts ignore
 * const [client, peer] = freePorts(2);
 * ```
 */
export function freePorts(count: number): number[] {
  const listeners = Array.from({ length: count }, () => {
    return Deno.listen({ hostname: "127.0.0.1", port: 0 });
  });
  const ports = listeners.map((listener) => (listener.addr as Deno.NetAddr).port);
  for (const listener of listeners) listener.close();
  return ports;
}

/** Whether nothing listens on 127.0.0.1:`port`. */
export function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

/**
 * The last `lines` lines of a log file, preceded by its first `Error:` line when that scrolled out
 * of the tail (cobra prints the flag error, then pages of usage).
 */
export async function logTail(logFile: string, lines = 40): Promise<string> {
  try {
    const all = (await Deno.readTextFile(logFile)).trimEnd().split("\n");
    const tail = all.slice(-lines);
    const firstError = all.find((line) => line.startsWith("Error: "));
    return [...(firstError && !tail.includes(firstError) ? [firstError, "..."] : []), ...tail].join(
      "\n",
    );
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return `(no log at ${logFile})`;
    throw error;
  }
}
