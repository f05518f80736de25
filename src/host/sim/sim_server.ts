/**
 * A simulated node as a process of its own, answering the guest's command channel protocol
 * (see `../remote_server.ts`) with a {@link FileBackedHost} over the node's state file. An agent
 * started with `LOCAL_LVM_HOST=remote:127.0.0.1:<port>` then holds no node state, as on a real
 * node, where its commands are separate processes; tests still read, arrange and fault the node
 * through the same file, under the same lock.
 *
 * Usage (the flags it needs: `--allow-read` and `--allow-write` on the file's directory,
 * `--allow-net=127.0.0.1`):
 *
 * ```sh
 * deno run --allow-read=DIR --allow-write=DIR --allow-net=127.0.0.1 \
 *   src/host/sim/sim_server.ts --node DIR/node.json [--listen 127.0.0.1:0] [--exit-with-stdin]
 * ```
 *
 * It prints `listening on 127.0.0.1:<port>` on stdout once it accepts connections (so port 0
 * never races), and with `--exit-with-stdin` it ends when its standard input closes, so it does
 * not outlive the test that started it, whatever happens to the agent using it.
 *
 * @module
 */

import type { Executor } from "../executor.ts";
import { EXIT_CHANNEL } from "../remote_executor.ts";
import { refuseBadArgv, type RequestRunner, serve } from "../remote_server.ts";
import { FileBackedHost } from "./file_host.ts";

/**
 * Answers run requests with an executor's results. An executor that throws (a broken node
 * file) answers as a lost channel would, with the reason on stderr.
 *
 * @example
 * ```ts
 * import { executorRunner } from "./sim_server.ts";
 * const run = executorRunner({
 *   run: (argv) => Promise.resolve({ code: 0, stdout: argv.join(" "), stderr: "" }),
 * });
 * const res = await run({ id: 7, argv: ["echo", "hi"] });
 * if (res.id !== 7 || res.stdout !== "echo hi") throw new Error(JSON.stringify(res));
 * ```
 */
export function executorRunner(exec: Executor): RequestRunner {
  return async (req) => {
    const refused = refuseBadArgv(req);
    if (refused) return refused;
    try {
      const { code, stdout, stderr } = await exec.run(req.argv!, {
        stdin: req.stdin,
        timeoutMs: req.timeoutMs,
      });
      return { id: req.id, code, stdout, stderr };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { id: req.id, code: EXIT_CHANNEL, stdout: "", stderr: `sim_server: ${why}\n` };
    }
  };
}

/** Serves the node in `path` on `listener` until the listener closes. */
export function serveSimNode(listener: Deno.Listener, path: string): Promise<void> {
  return serve(listener, executorRunner(new FileBackedHost(path)));
}

function option(name: string): string | undefined {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : undefined;
}

async function exitWithStdin(): Promise<never> {
  for await (const _ of Deno.stdin.readable) { /* only its end matters */ }
  Deno.exit(0);
}

if (import.meta.main) {
  const node = option("--node");
  const listen = (option("--listen") ?? "127.0.0.1:0").match(/^(.+):(\d+)$/);
  if (!node || !listen) {
    console.error(
      "usage: sim_server.ts --node FILE [--listen HOST:PORT] [--exit-with-stdin]",
    );
    Deno.exit(2);
  }
  // The node must exist: a typo would otherwise only show as every command failing.
  await Deno.stat(node);
  const listener = Deno.listen({ hostname: listen[1], port: Number(listen[2]) });
  const { hostname, port } = listener.addr as Deno.NetAddr;
  console.log(`listening on ${hostname}:${port}`);
  if (Deno.args.includes("--exit-with-stdin")) exitWithStdin();
  await serveSimNode(listener, node);
}
