/**
 * The command channel without a guest: remote_server.ts runs on this host (on loopback, with
 * the same Deno flags the guest uses) and RemoteExecutor talks to it. Only harmless commands
 * in a temp dir run here.
 */
import assert from "node:assert/strict";
import { EXIT_CHANNEL, RemoteExecutor } from "../../../src/host/remote_executor.ts";
import { EXIT_REFUSED, EXIT_TIMEOUT, serverFlags } from "../../../src/host/remote_server.ts";
import { freePort } from "./qemu.ts";

const SERVER = new URL("../../../src/host/remote_server.ts", import.meta.url).pathname;
const netGranted =
  (await Deno.permissions.query({ name: "net", host: "127.0.0.1" })).state === "granted";
if (!netGranted) console.warn("remote_channel_test: skipped, needs --allow-net=127.0.0.1");

/** Starts the server on 127.0.0.1:port and waits until it answers. */
async function startServer(port: number): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...serverFlags("127.0.0.1", port),
      SERVER,
      "--listen",
      `127.0.0.1:${port}`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const probe = new RemoteExecutor({ port });
  const deadline = Date.now() + 20_000;
  try {
    while (!(await probe.ping(500))) {
      if (Date.now() > deadline) throw new Error("remote_server did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    probe.close();
  }
  return child;
}

async function stopServer(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await child.status;
}

Deno.test({
  name: "remote channel runs allowed argv and reports exit codes and output",
  ignore: !netGranted,
  async fn() {
    const port = await freePort();
    const server = await startServer(port);
    const exec = new RemoteExecutor({ port });
    const dir = await Deno.makeTempDir();
    try {
      const cases: {
        argv: string[];
        stdin?: string;
        code: number;
        stdout?: string;
        err?: RegExp;
      }[] = [
        { argv: ["mkdir", "-p", `${dir}/a/b`], code: 0, stdout: "" },
        { argv: ["tee", `${dir}/a/f`], stdin: "x\ny\n", code: 0, stdout: "x\ny\n" },
        { argv: ["cat", `${dir}/a/f`], code: 0, stdout: "x\ny\n" },
        { argv: ["tee", `${dir}/none/f`], stdin: "x", code: 1, err: /No such file/ },
        { argv: ["ls", `${dir}/missing`], code: 2, err: /^ls: cannot access '.*': No such/ },
        { argv: ["rmdir", `${dir}/a`], code: 1, err: /Directory not empty/ },
        { argv: ["sh", "-c", "true"], code: EXIT_REFUSED, err: /"sh" is not allowed/ },
        { argv: ["/bin/cat", "/etc/hostname"], code: EXIT_REFUSED, err: /not allowed/ },
        { argv: [], code: EXIT_REFUSED, err: /non-empty array/ },
      ];
      for (const c of cases) {
        const res = await exec.run(c.argv, { stdin: c.stdin });
        assert.equal(res.code, c.code, `${c.argv.join(" ")}: ${res.stderr}`);
        if (c.stdout !== undefined) assert.equal(res.stdout, c.stdout);
        if (c.err) assert.match(res.stderr, c.err);
      }
    } finally {
      exec.close();
      await stopServer(server);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "remote channel runs requests concurrently and kills commands past their timeout",
  ignore: !netGranted,
  async fn() {
    const port = await freePort();
    const server = await startServer(port);
    const exec = new RemoteExecutor({ port });
    try {
      const started = Date.now();
      const results = await Promise.all([1, 2, 3].map(() => exec.run(["sleep", "1"])));
      assert.deepEqual(results.map((r) => r.code), [0, 0, 0]);
      assert.ok(Date.now() - started < 2_500, "three 1 s sleeps ran one after another");

      const t0 = Date.now();
      const slow = await exec.run(["sleep", "30"], { timeoutMs: 300 });
      assert.equal(slow.code, EXIT_TIMEOUT);
      assert.match(slow.stderr, /killed after 300 ms/);
      assert.ok(Date.now() - t0 < 5_000);
    } finally {
      exec.close();
      await stopServer(server);
    }
  },
});

Deno.test({
  name: "remote channel turns a lost connection into an error result and reconnects",
  ignore: !netGranted,
  async fn() {
    const port = await freePort();
    let server = await startServer(port);
    const exec = new RemoteExecutor({ port });
    try {
      const inFlight = exec.run(["sleep", "30"]);
      await new Promise((r) => setTimeout(r, 300));
      await stopServer(server);
      const lost = await inFlight;
      assert.equal(lost.code, EXIT_CHANNEL);
      assert.match(lost.stderr, /while running sleep 30/);

      const refused = await exec.run(["sleep", "0"]);
      assert.equal(refused.code, EXIT_CHANNEL);
      assert.match(refused.stderr, /cannot connect to 127\.0\.0\.1/);

      server = await startServer(port);
      assert.equal((await exec.run(["sleep", "0"])).code, 0);
    } finally {
      exec.close();
      await stopServer(server);
    }
  },
});
