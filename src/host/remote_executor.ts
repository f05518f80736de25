/**
 * The host side of the test command channel: an {@link Executor} whose commands run inside
 * the QEMU test guest, sent over TCP to `remote_server.ts` through QEMU's loopback forward.
 * One connection carries many concurrent requests; a lost connection fails the requests in
 * flight (as results, not exceptions) and the next request reconnects.
 *
 * @module
 */

import type { CommandResult, Executor, RunOptions } from "./executor.ts";
import {
  DEFAULT_TIMEOUT_MS,
  EXIT_TIMEOUT,
  type RemoteRequest,
  type RemoteResponse,
} from "./remote_server.ts";

/** Exit code of a request the channel could not deliver or answer (as ssh's 255). */
export const EXIT_CHANNEL = 255;

/** Where the server listens and how long to wait for it. */
export interface RemoteExecutorOptions {
  /** Host address of the forward; only loopback makes sense. Default `127.0.0.1`. */
  hostname?: string;
  port: number;
  /** Timeout of a command that names none. Default two minutes. */
  defaultTimeoutMs?: number;
  /** How much longer than the command's own timeout to wait for the server's answer. */
  graceMs?: number;
}

interface Pending {
  resolve(result: CommandResult): void;
  argv: readonly string[];
}

interface Channel {
  conn: Deno.Conn;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  pending: Map<number, Pending>;
}

/**
 * Runs commands in the guest.
 *
 * @example
 * ```ts ignore
 * const exec = new RemoteExecutor({ port: 40123 });
 * const { stdout } = await exec.run(["vgs", "--reportformat", "json"]);
 * exec.close();
 * ```
 */
export class RemoteExecutor implements Executor {
  readonly hostname: string;
  readonly port: number;
  readonly #defaultTimeoutMs: number;
  readonly #graceMs: number;
  #nextId = 1;
  #channel: Promise<Channel> | undefined;
  /** The open channel, known synchronously so a dropped one is never handed out again. */
  #live: Channel | undefined;

  constructor(options: RemoteExecutorOptions) {
    this.hostname = options.hostname ?? "127.0.0.1";
    this.port = options.port;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#graceMs = options.graceMs ?? 5_000;
  }

  /** Sends one argv to the guest; resolves with its result whatever the exit code. */
  run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    return this.#request({ argv: [...argv], stdin: options.stdin, timeoutMs }, argv, timeoutMs);
  }

  /**
   * True when the server answers a ping within `timeoutMs`. An unanswered ping also closes
   * the connection: while the guest boots, QEMU accepts on the host side and keeps retrying
   * the guest side with TCP back-off, so only a fresh connection notices the server quickly.
   */
  async ping(timeoutMs = 2_000): Promise<boolean> {
    const res = await this.#request({ op: "ping" }, ["(ping)"], timeoutMs, 0);
    if (res.code !== 0 && this.#live) this.#drop(this.#live, "ping unanswered");
    return res.code === 0;
  }

  /** Closes the connection; requests in flight resolve with a channel error. */
  close(): void {
    const opening = this.#channel;
    this.#channel = undefined;
    this.#live = undefined;
    opening?.then((c) => this.#drop(c, "closed by the client"), () => {});
  }

  async #request(
    body: Omit<RemoteRequest, "id">,
    argv: readonly string[],
    timeoutMs: number,
    graceMs = this.#graceMs,
  ): Promise<CommandResult> {
    let channel: Channel;
    try {
      channel = await this.#connect();
    } catch (err) {
      return failure(`cannot connect to ${this.hostname}:${this.port}: ${message(err)}`);
    }
    const id = this.#nextId++;
    const { promise, resolve } = Promise.withResolvers<CommandResult>();
    channel.pending.set(id, { resolve, argv });
    const waitMs = timeoutMs + graceMs;
    const timer = setTimeout(() => {
      channel.pending.delete(id);
      const stderr = `remote executor: no answer to ${argv.join(" ")} within ${waitMs} ms\n`;
      resolve({ code: EXIT_TIMEOUT, stdout: "", stderr });
    }, waitMs);
    const line = JSON.stringify({ id, ...body } satisfies RemoteRequest) + "\n";
    channel.writer.write(new TextEncoder().encode(line)).catch((err) =>
      this.#drop(channel, `send failed: ${message(err)}`)
    );
    try {
      return await promise;
    } finally {
      clearTimeout(timer);
    }
  }

  #connect(): Promise<Channel> {
    if (!this.#channel) {
      const opening = Deno.connect({ hostname: this.hostname, port: this.port }).then((conn) => {
        const channel: Channel = { conn, writer: conn.writable.getWriter(), pending: new Map() };
        if (this.#channel === opening) this.#live = channel;
        this.#read(channel);
        return channel;
      });
      this.#channel = opening;
      opening.catch(() => {
        if (this.#channel === opening) this.#channel = undefined;
      });
    }
    return this.#channel;
  }

  async #read(channel: Channel): Promise<void> {
    let buffered = "";
    let why = "connection closed by the guest";
    try {
      for await (const chunk of channel.conn.readable.pipeThrough(new TextDecoderStream())) {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const res = JSON.parse(buffered.slice(0, nl)) as RemoteResponse;
          buffered = buffered.slice(nl + 1);
          const waiter = channel.pending.get(res.id);
          channel.pending.delete(res.id);
          waiter?.resolve({ code: res.code, stdout: res.stdout, stderr: res.stderr });
        }
      }
    } catch (err) {
      why = `connection lost: ${message(err)}`;
    }
    this.#drop(channel, why);
  }

  #drop(channel: Channel, why: string): void {
    if (this.#live === channel) {
      this.#live = undefined;
      this.#channel = undefined;
    }
    for (const [id, waiter] of channel.pending) {
      channel.pending.delete(id);
      waiter.resolve(failure(`${why} while running ${waiter.argv.join(" ")}`));
    }
    try {
      channel.conn.close();
    } catch { /* already closed */ }
  }
}

function failure(why: string): CommandResult {
  return { code: EXIT_CHANNEL, stdout: "", stderr: `remote executor: ${why}\n` };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
