/**
 * A second process on a file-backed node, for the cross-process tests. Started with only
 * `--allow-read=<dir> --allow-write=<dir>` for the node's directory, as the agent is.
 *
 * - `mkdir <node> <prefix> <count>`: prints `ready`, then runs `mkdir -p <prefix><i>` for
 *   each i, printing `done <i>` after each.
 * - `hold <node>`: takes the node's lock (inside withNode), changes the node, prints
 *   `holding`, and never finishes: the test kills it.
 * - `remote <port> <prefix> <count>`: as `mkdir`, through a simulated node server on
 *   127.0.0.1:<port> (needs `--allow-net=127.0.0.1`).
 */
import type { Executor } from "../../src/host/executor.ts";
import { RemoteExecutor } from "../../src/host/remote_executor.ts";
import { FileBackedHost, withNode } from "../../src/host/sim/mod.ts";

const encoder = new TextEncoder();
const print = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

const [mode, path, prefix, count] = Deno.args;
if (mode === "mkdir" || mode === "remote") {
  const host: Executor = mode === "mkdir"
    ? new FileBackedHost(path)
    : new RemoteExecutor({ port: Number(path) });
  print("ready");
  for (let i = 0; i < Number(count); i++) {
    const result = await host.run(["mkdir", "-p", `${prefix}${i}`]);
    if (result.code !== 0) throw new Error(`mkdir ${prefix}${i}: ${result.stderr}`);
    print(`done ${i}`);
  }
  if (host instanceof RemoteExecutor) host.close();
} else if (mode === "hold") {
  await withNode(path, async (host) => {
    host.mkdir("/var/lib/never-saved");
    print("holding");
    await new Promise((resolve) => setTimeout(resolve, 600_000));
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
