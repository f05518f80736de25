/**
 * The simulated node server (src/host/sim/sim_server.ts) as its own process, driven through
 * the agent's RemoteExecutor: it answers exactly as a FileBackedHost in the caller's process
 * would, faults arranged in the node file apply, a change made to the file by someone else is
 * seen, and a client killed in the middle of its commands leaves the server serving.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CommandResult } from "../../src/host/executor.ts";
import { RemoteExecutor } from "../../src/host/remote_executor.ts";
import { EXIT_REFUSED } from "../../src/host/remote_server.ts";
import { FileBackedHost, parseNodeFile, withNode } from "../../src/host/sim/mod.ts";
import { SimServerProcess } from "../agent/sim_server_process.ts";
import { findmnt, lvcreate, LVS, MIB, UUID, VGS } from "./helpers.ts";
import { NodeWorker } from "./node_process.ts";

const SEEDS = [{ name: "vg0", sizeBytes: 2 ** 30 }];
const UNIT = "/etc/systemd/system/data-pvc\\x2d1.mount";

const netGranted =
  (await Deno.permissions.query({ name: "net", host: "127.0.0.1" })).state === "granted";
if (!netGranted) console.warn("sim_server_test: skipped, needs --allow-net=127.0.0.1");

/** A node file and a server on it, for the length of `fn`. */
async function withServedNode(
  fn: (
    ctx: { path: string; dir: string; exec: RemoteExecutor; server: SimServerProcess },
  ) => Promise<void>,
  name = "node.json",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sim_server_" });
  const path = join(dir, name);
  await FileBackedHost.init(path, { vgs: SEEDS });
  const server = new SimServerProcess(path);
  await server.start();
  const exec = new RemoteExecutor({ port: server.port });
  try {
    await fn({ path, dir, exec, server });
  } finally {
    exec.close();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Commands of a whole provisioning and teardown, and ones that fail, in order. */
const SCRIPT: { argv: string[]; stdin?: string }[] = [
  { argv: VGS },
  { argv: lvcreate("pvc-1", 8 * MIB) },
  { argv: lvcreate("pvc-1", 8 * MIB) }, // exists: lvm2's error
  { argv: lvcreate("pvc-big", 4 * 2 ** 30) }, // insufficient free space
  { argv: ["blkid", "-p", "-o", "export", "/dev/vg0/pvc-1"] },
  { argv: ["mkfs.ext4", "-q", "-m", "0", "-U", UUID, "/dev/vg0/pvc-1"] },
  { argv: ["mkdir", "-p", "/data/pvc-1"] },
  { argv: ["tee", UNIT], stdin: "[Mount]\nWhat=/dev/vg0/pvc-1\nWhere=/data/pvc-1\n" },
  { argv: ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/pvc-1"] },
  { argv: findmnt("/data/pvc-1") },
  { argv: LVS },
  { argv: ["lvremove", "-y", "vg0/pvc-1"] }, // mounted: refused
  { argv: ["umount", "/data/pvc-1"] },
  { argv: ["rmdir", "/data/pvc-1"] },
  { argv: ["rm", "-f", UNIT] },
  { argv: ["lvremove", "-y", "vg0/pvc-1"] },
  { argv: ["lvs", "--bogus"] }, // a form the simulator does not implement
  { argv: VGS },
];

Deno.test({
  name: "the server answers every command as a FileBackedHost in the caller's process does",
  ignore: !netGranted,
  async fn() {
    await withServedNode(async ({ path, dir, exec }) => {
      const localPath = join(dir, "local.json");
      await FileBackedHost.init(localPath, { vgs: SEEDS });
      const local = new FileBackedHost(localPath);
      const codes: number[] = [];
      for (const { argv, stdin } of SCRIPT) {
        const want: CommandResult = await local.run(argv, { stdin });
        const got = await exec.run(argv, { stdin });
        assert.deepEqual(got, want, argv.join(" "));
        codes.push(got.code);
      }
      // The script meant what it says: successes and each kind of failure.
      assert.ok(codes.includes(0) && codes.filter((c) => c !== 0).length >= 4, `${codes}`);
      assert.equal(await Deno.readTextFile(path), await Deno.readTextFile(localPath));
      // A malformed request is refused by the shared protocol code, as in the guest.
      assert.equal((await exec.run([])).code, EXIT_REFUSED);
    });
  },
});

Deno.test({
  name: "faults and changes made in the node file apply to the server's next command",
  ignore: !netGranted,
  async fn() {
    await withServedNode(async ({ path, exec }) => {
      assert.equal((await exec.run(lvcreate("pvc-1", 8 * MIB))).code, 0);
      // Someone else (a test) changes the node behind the server's back.
      await withNode(path, (host, faults) => {
        host.mkdir("/data/made-by-test");
        faults.failures.push({ argvPrefix: ["lvcreate"], code: 5, stderr: "injected\n", times: 1 });
      });
      assert.deepEqual(await exec.run(lvcreate("pvc-2", 8 * MIB)), {
        code: 5,
        stdout: "",
        stderr: "injected\n",
      });
      assert.equal((await exec.run(lvcreate("pvc-2", 8 * MIB))).code, 0, "used up");
      const rmdir = await exec.run(["rmdir", "/data/made-by-test"]);
      assert.equal(rmdir.code, 0, rmdir.stderr);
      // A delay at or past the command's timeout ends it as a killed command, without effect.
      await withNode(path, (_, faults) => (faults.delayMs = 300));
      const slow = await exec.run(["mkdir", "-p", "/data/late"], { timeoutMs: 100 });
      assert.equal(slow.code, 124, slow.stderr);
      await withNode(path, (_, faults) => (faults.delayMs = 0));
      const state = await withNode(path, (h) => ({
        lvs: h.listLvs().map((l) => l.name),
        late: h.exists("/data/late"),
        made: h.exists("/data/made-by-test"),
      }));
      assert.deepEqual(state, { lvs: ["pvc-1", "pvc-2"], late: false, made: false });
    });
  },
});

Deno.test({
  name: "a client killed in the middle of its commands leaves the server serving",
  ignore: !netGranted,
  async fn() {
    await withServedNode(async ({ path, dir, exec, server }) => {
      await withNode(path, (_, faults) => (faults.delayMs = 20));
      const client = new NodeWorker(
        dir,
        ["remote", String(server.port), "/var/lib/k-", "1000"],
        ["--allow-net=127.0.0.1"],
      );
      await client.waitFor("done 4");
      client.child.kill("SIGKILL");
      const { status, lines } = await client.finish();
      assert.equal(status.signal, "SIGKILL");
      const done = lines.filter((l) => l.startsWith("done ")).length;
      assert.ok(done < 1000, "killed before the end");

      await withNode(path, (_, faults) => (faults.delayMs = 0));
      const r = await exec.run(["mkdir", "-p", "/var/lib/after"]);
      assert.equal(r.code, 0, r.stderr);
      parseNodeFile(await Deno.readTextFile(path));
      const files = await withNode(path, (h) => h.snapshot().files);
      for (let i = 0; i < done; i++) assert.ok(files[`/var/lib/k-${i}`], `k-${i} reported done`);
      assert.ok(files["/var/lib/after"]);
    });
  },
});

Deno.test({
  name: "the server refuses to start on a missing node file, and says why",
  ignore: !netGranted,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sim_server_" });
    try {
      const server = new SimServerProcess(join(dir, "absent.json"));
      await assert.rejects(server.start(), /did not start[\s\S]*NotFound|No such file/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
