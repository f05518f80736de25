/** Runs tests/host/node_worker.ts as a separate Deno process with the agent's narrow permissions. */

const ROOT = new URL("../../", import.meta.url).pathname;
const WORKER = new URL("./node_worker.ts", import.meta.url).pathname;

async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      yield buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
    }
  }
  if (buffer) yield buffer;
}

/** A worker process on a node file; its stdout lines are collected as they come. */
export class NodeWorker {
  readonly child: Deno.ChildProcess;
  readonly lines: string[] = [];
  readonly #stdout: Promise<void>;
  readonly #stderr: Promise<string>;
  #waiters: (() => void)[] = [];
  #ended = false;

  /** Starts the worker with read and write access to `dir` only, and `flags`. */
  constructor(dir: string, args: string[], flags: string[] = []) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-lock",
        "--no-prompt",
        `--config=${ROOT}deno.json`,
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        ...flags,
        WORKER,
        ...args,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child = child;
    this.#stderr = new Response(child.stderr).text();
    this.#stdout = (async () => {
      for await (const line of linesOf(child.stdout)) {
        this.lines.push(line);
        this.#wake();
      }
      this.#ended = true;
      this.#wake();
    })();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits until the worker printed `line`; fails if it ends first. */
  async waitFor(line: string): Promise<void> {
    while (!this.lines.includes(line)) {
      if (this.#ended) {
        throw new Error(`worker ended before printing ${line}: ${await this.#stderr}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Waits for the worker to end and returns how it ended. */
  async finish(): Promise<{ status: Deno.CommandStatus; stderr: string; lines: string[] }> {
    const [status, stderr] = await Promise.all([this.child.status, this.#stderr, this.#stdout]);
    return { status, stderr, lines: this.lines };
  }
}
