/**
 * The guest side of the test command channel: a small TCP server that runs argv arrays and
 * answers with their exit code and output. It runs inside the QEMU test guest (started by
 * `local-lvm-guest-runner.service`, which receives this very file through QEMU's fw_cfg at
 * every boot), so it must stay a single file without imports.
 *
 * Protocol: newline-delimited JSON over one TCP connection, requests answered in any order.
 *   request  `{"id":1,"argv":["lvs","--reportformat","json"],"stdin":"...","timeoutMs":5000}`
 *   answer   `{"id":1,"code":0,"stdout":"...","stderr":""}`
 *   ping     `{"id":2,"op":"ping"}` answered by `{"id":2,"op":"pong","code":0,...}`
 *
 * Only binaries named in {@link CONTRACT_BINARIES} or {@link TEST_BINARIES} run, by bare
 * name looked up in {@link SAFE_PATH}, with a cleared environment (`PATH` and `LC_ALL=C`
 * only) and never through a shell.
 *
 * @module
 */

/** The binaries the provisioning steps use (the node command contract). */
export const CONTRACT_BINARIES = [
  "lvs",
  "vgs",
  "lvcreate",
  "lvremove",
  "lvextend",
  "blkid",
  "mkfs.ext4",
  "mkfs.xfs",
  "resize2fs",
  "xfs_growfs",
  "mount",
  "umount",
  "findmnt",
  "mkdir",
  "rmdir",
  "tee",
  "rm",
  "cp",
  "systemctl",
] as const;

/**
 * Extra binaries only tests may run: preparing disks and volume groups, inspecting files
 * and boot state, holding a mount busy (`systemd-run --working-directory=...`), power.
 * Still no shell and no interpreter, so a test cannot smuggle arbitrary code in.
 */
export const TEST_BINARIES = [
  "cat",
  "sha256sum",
  "dd",
  "sync",
  "ls",
  "stat",
  "test",
  "sleep",
  "pvcreate",
  "pvremove",
  "pvs",
  "vgcreate",
  "vgremove",
  "vgchange",
  "lvchange",
  "wipefs",
  "udevadm",
  "fuser",
  "journalctl",
  "systemd-analyze",
  "systemd-escape",
  "systemd-run",
  "poweroff",
  "reboot",
] as const;

/** Every binary the server agrees to run. */
export const ALLOWED_BINARIES: ReadonlySet<string> = new Set([
  ...CONTRACT_BINARIES,
  ...TEST_BINARIES,
]);

/**
 * What actually gets spawned: env(1) then runs argv[0] from {@link SAFE_PATH}. It can run
 * anything, so Deno's `--allow-run` cannot be the guard here: {@link ALLOWED_BINARIES} is.
 */
export const LAUNCHER = "/usr/bin/env";
/** The only `PATH` a command sees. */
export const SAFE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";
/** Exit code of a command killed for running past its timeout (as GNU `timeout`). */
export const EXIT_TIMEOUT = 124;
/** Exit code of a request refused before anything ran (bad argv, binary not allowed). */
export const EXIT_REFUSED = 126;
/** Exit code of a binary that could not be started (env(1) uses it for "not installed"). */
export const EXIT_NOT_FOUND = 127;
/** Timeout applied when a request names none. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** One request on the wire. */
export interface RemoteRequest {
  id: number;
  op?: "run" | "ping";
  argv?: string[];
  stdin?: string;
  timeoutMs?: number;
}

/** One answer on the wire. */
export interface RemoteResponse {
  id: number;
  op?: "pong";
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The Deno flags the server needs: listen on `hostname:port` and spawn {@link LAUNCHER}, and
 * nothing more. The guest harness hands them to the service unit through fw_cfg.
 *
 * @example
 * ```ts
 * const flags = serverFlags("10.0.2.15", 7070);
 * console.assert(flags[0] === "--allow-net=10.0.2.15:7070");
 * ```
 */
export function serverFlags(hostname: string, port: number): string[] {
  return [`--allow-net=${hostname}:${port}`, `--allow-run=${LAUNCHER}`];
}

/**
 * Answers one run request (never a ping) and never throws. The guest's is {@link runRequest};
 * another server of the same protocol (the simulated node's) brings its own.
 */
export type RequestRunner = (req: RemoteRequest) => Promise<RemoteResponse>;

function refuse(id: number, why: string): RemoteResponse {
  return { id, code: EXIT_REFUSED, stdout: "", stderr: `remote_server: ${why}\n` };
}

/** The refusal of a request whose argv is not a non-empty array of strings, if it is not. */
export function refuseBadArgv(req: RemoteRequest): RemoteResponse | undefined {
  const { argv } = req;
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== "string")) {
    return refuse(req.id, "argv must be a non-empty array of strings");
  }
  return undefined;
}

/** Runs one request's argv and collects the result; never throws. */
export async function runRequest(req: RemoteRequest): Promise<RemoteResponse> {
  const refused = refuseBadArgv(req);
  if (refused) return refused;
  const id = req.id;
  const argv = req.argv!;
  if (!ALLOWED_BINARIES.has(argv[0])) return refuse(id, `binary "${argv[0]}" is not allowed`);
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let child: Deno.ChildProcess;
  try {
    // Through env(1): Deno puts the resolved path in argv[0] (`/usr/bin/rmdir: failed to...`),
    // while the tools must see the bare name, as they do behind nsenter on a real node.
    child = new Deno.Command(LAUNCHER, {
      args: ["--", ...argv],
      clearEnv: true,
      env: { PATH: SAFE_PATH, LC_ALL: "C" },
      stdin: req.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    return {
      id,
      code: EXIT_NOT_FOUND,
      stdout: "",
      stderr: `remote_server: cannot start: ${err}\n`,
    };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  // Feed stdin while the output is read, so a command echoing its input (tee) cannot block.
  const feeding = req.stdin === undefined ? Promise.resolve() : feed(child, req.stdin);
  const out = await child.output();
  clearTimeout(timer);
  await feeding;
  const dec = new TextDecoder();
  const stderr = dec.decode(out.stderr) +
    (timedOut ? `remote_server: killed after ${timeoutMs} ms\n` : "");
  const code = timedOut ? EXIT_TIMEOUT : out.signal ? 128 + signalNumber(out.signal) : out.code;
  return { id, code, stdout: dec.decode(out.stdout), stderr };
}

async function feed(child: Deno.ChildProcess, input: string): Promise<void> {
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
  } catch { /* the command exited without reading all of it; its exit code tells */ }
}

function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };
  return numbers[signal] ?? 0;
}

async function answer(req: RemoteRequest, run: RequestRunner): Promise<RemoteResponse> {
  if (req.op === "ping") return { id: req.id, op: "pong", code: 0, stdout: "", stderr: "" };
  return await run(req);
}

/** Serves one connection until the peer closes it; requests run concurrently. */
export async function serveConnection(
  conn: Deno.Conn,
  run: RequestRunner = runRequest,
): Promise<void> {
  const encoder = new TextEncoder();
  const writer = conn.writable.getWriter();
  let writes = Promise.resolve();
  const send = (res: RemoteResponse) => {
    writes = writes.then(() => writer.write(encoder.encode(JSON.stringify(res) + "\n")))
      .catch(() => {/* peer gone; nothing left to tell it */});
  };
  const running = new Set<Promise<void>>();
  let buffered = "";
  try {
    for await (const chunk of conn.readable.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() === "") continue;
        let req: RemoteRequest;
        try {
          req = JSON.parse(line);
        } catch {
          send(refuse(-1, "request is not JSON"));
          continue;
        }
        const done: Promise<void> = answer(req, run).then(send).finally(() => running.delete(done));
        running.add(done);
      }
    }
  } catch { /* connection reset: stop reading, let running commands finish */ }
  await Promise.allSettled([...running]);
  await writes;
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** Accepts connections until the listener closes. */
export async function serve(
  listener: Deno.Listener,
  run: RequestRunner = runRequest,
): Promise<void> {
  for await (const conn of listener) serveConnection(conn, run);
}

async function listenWhenAddressExists(hostname: string, port: number): Promise<Deno.Listener> {
  // At boot the address may not be configured yet (systemd-networkd still starting).
  for (;;) {
    try {
      return Deno.listen({ hostname, port });
    } catch (err) {
      if (!(err instanceof Deno.errors.AddrNotAvailable)) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--listen");
  const listen = at >= 0 ? Deno.args[at + 1] : undefined;
  const match = listen?.match(/^(.+):(\d+)$/);
  if (!match) {
    console.error("usage: remote_server.ts --listen HOST:PORT");
    Deno.exit(2);
  }
  const listener = await listenWhenAddressExists(match[1], Number(match[2]));
  console.error(`remote_server: listening on ${listen}`);
  await serve(listener);
}
