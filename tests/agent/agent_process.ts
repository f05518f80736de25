/**
 * Runs the agent as its own process, with exactly the permission flags of the `start`
 * task in deno.json (the same ones the container uses), as one node of the test cluster.
 */
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A deno.json task's `deno run` flags and script (`start` is the agent's own). */
export async function taskRunArgs(name: string): Promise<string[]> {
  const task: string = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).tasks[name];
  const [deno, run, ...rest] = task.split(/\s+/);
  if (deno !== "deno" || run !== "run") throw new Error(`unexpected ${name} task: ${task}`);
  return ["run", ...rest];
}

/**
 * The whole environment of a process acting as one node's agent (the agent itself, or a task
 * run in its pod): nothing inherited but PATH, HOME and the Deno cache.
 */
export function nodeProcessEnv(o: {
  node: string;
  kubeconfig: string;
  configPath: string;
  stateDir: string;
  hostSetting: string;
}): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
    NODE_NAME: o.node,
    KUBECONFIG: o.kubeconfig,
    LOCAL_LVM_CONFIG: o.configPath,
    LOCAL_LVM_STATE_DIR: o.stateDir,
    LOCAL_LVM_HOST: o.hostSetting,
    NO_COLOR: "1",
  };
}

/** What one agent process needs. */
export interface AgentProcessOptions {
  node: string;
  /** Everything of this agent lives here (under /var/lib/local-lvm, which it may read and write). */
  dir: string;
  kubeconfig: string;
  configPath: string;
  hostSetting: string;
  httpPort: number;
  extraEnv?: Record<string, string>;
  /** Extra `deno run` flags (the bench's `--cpu-prof`), before the start task's own. */
  denoFlags?: string[];
}

/** One running agent. */
export class AgentProcess {
  #child?: Deno.ChildProcess;
  #log?: Deno.FsFile;
  readonly logPath: string;

  constructor(readonly options: AgentProcessOptions) {
    this.logPath = join(options.dir, "agent.log");
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process; output goes to `agent.log` (appended across restarts). */
  async start(): Promise<void> {
    const o = this.options;
    this.#log = await Deno.open(this.logPath, { append: true, create: true, write: true });
    const [run, ...rest] = await taskRunArgs("start");
    const child = new Deno.Command(Deno.execPath(), {
      args: [run, ...o.denoFlags ?? [], ...rest],
      cwd: ROOT,
      clearEnv: true,
      env: {
        ...nodeProcessEnv({ ...o, stateDir: join(o.dir, "state") }),
        LOCAL_LVM_HTTP_PORT: String(o.httpPort),
        LOCAL_LVM_HTTP_HOST: "127.0.0.1",
        LOCAL_LVM_LOG_LEVEL: "debug",
        ...o.extraEnv,
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const log = this.#log;
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) await log.write(chunk);
    };
    void Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  }

  /** Waits until `/readyz` answers 200. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`http://127.0.0.1:${this.options.httpPort}/readyz`);
        last = await r.text();
        if (r.ok) return;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `agent ${this.options.node} not ready after ${timeoutMs} ms: ${last}\n${await this.tail()}`,
    );
  }

  /** Sends a signal and waits for the process to end; returns its exit code. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<number> {
    const child = this.#child;
    if (!child) return 0;
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
    const status = await child.status;
    this.#child = undefined;
    await new Promise((r) => setTimeout(r, 50));
    this.#log?.close();
    this.#log = undefined;
    return status.code;
  }

  /** The last lines of the agent's log. */
  async tail(lines = 40): Promise<string> {
    const text = await Deno.readTextFile(this.logPath).catch(() => "");
    return text.split("\n").slice(-lines).join("\n");
  }

  /** Every log line, parsed where it is JSON. */
  async logLines(): Promise<Record<string, unknown>[]> {
    const text = await Deno.readTextFile(this.logPath).catch(() => "");
    return text.split("\n").flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
  }
}
