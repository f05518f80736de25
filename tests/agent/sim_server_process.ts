/**
 * Runs src/host/sim/sim_server.ts as its own process for one simulated node, with read and
 * write access to the node file's directory and loopback only. It lives as long as the
 * test (or bench) that started it, not as long as the agent that uses it, so an agent killed
 * and restarted finds the same server, as an agent on a real node finds the same node.
 */
import { dirname, join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const SERVER = join(ROOT, "src/host/sim/sim_server.ts");

/** One running simulated node server. */
export class SimServerProcess {
  #child?: Deno.ChildProcess;
  #stdin?: WritableStreamDefaultWriter<Uint8Array>;
  #port?: number;
  readonly logPath: string;

  /** A server for the node file `path`; its stderr goes to `sim_server.log` beside it. */
  constructor(readonly path: string) {
    this.logPath = join(dirname(path), "sim_server.log");
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The port it listens on (127.0.0.1). */
  get port(): number {
    if (this.#port === undefined) throw new Error(`sim server of ${this.path} is not running`);
    return this.#port;
  }

  /** The agent's `LOCAL_LVM_HOST` for this node. */
  get hostSetting(): string {
    return `remote:127.0.0.1:${this.port}`;
  }

  /** Starts the server and waits until it listens. */
  async start(): Promise<void> {
    const dir = dirname(this.path);
    const log = await Deno.open(this.logPath, { append: true, create: true, write: true });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--frozen",
        "--cached-only",
        "--no-prompt",
        `--config=${join(ROOT, "deno.json")}`,
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        "--allow-net=127.0.0.1",
        SERVER,
        "--node",
        this.path,
        "--listen",
        "127.0.0.1:0",
        "--exit-with-stdin",
      ],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    void child.stderr.pipeTo(log.writable).catch(() => {});
    const first = await firstLine(child.stdout);
    const port = /^listening on 127\.0\.0\.1:(\d+)$/.exec(first ?? "")?.[1];
    if (!port) {
      await this.stop();
      const why = await Deno.readTextFile(this.logPath).catch(() => "");
      throw new Error(
        `sim server of ${this.path} did not start: ${first ?? "(no output)"}\n${why}`,
      );
    }
    this.#port = Number(port);
  }

  /** Ends the server (SIGTERM) and waits for it. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    this.#port = undefined;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await this.#stdin?.close().catch(() => {});
  }
}

/** Reads the first line, then lets the rest of the stream drain unread. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) return text || undefined;
    text += value;
  }
  void (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })().catch(() => {});
  return text.slice(0, text.indexOf("\n"));
}
