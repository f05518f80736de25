import assert from "node:assert/strict";
import { join } from "node:path";
import { FileBackedHost, parseNodeFile, withNode } from "../../src/host/sim/mod.ts";
import { NodeWorker } from "./node_process.ts";

const VGS = [{ name: "vg0", sizeBytes: 2 ** 30 }];

async function tempNode(): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "file_host_process_" });
  const path = join(dir, "node.json");
  await FileBackedHost.init(path, { vgs: VGS });
  return { dir, path };
}

/** Directory names under /var/lib starting with `prefix`. */
function namesUnder(files: Record<string, unknown>, prefix: string): string[] {
  return Object.keys(files).filter((p) => p.startsWith(`/var/lib/${prefix}`));
}

Deno.test("two processes hammering one node lose no update", async () => {
  const { dir, path } = await tempNode();
  const n = 200;
  try {
    const worker = new NodeWorker(dir, ["mkdir", path, "/var/lib/c-", String(n)]);
    await worker.waitFor("ready");
    const doneAtStart = worker.lines.length - 1;
    const host = new FileBackedHost(path);
    for (let i = 0; i < n; i++) {
      const r = await host.run(["mkdir", "-p", `/var/lib/t-${i}`]);
      assert.equal(r.code, 0, r.stderr);
    }
    const doneAtEnd = worker.lines.length - 1;
    const { status, stderr, lines } = await worker.finish();
    assert.equal(status.code, 0, stderr);
    assert.equal(lines.length, n + 1);
    // The two loops really overlapped (else the test would prove nothing).
    assert.ok(doneAtStart < n && doneAtEnd > doneAtStart, `${doneAtStart}..${doneAtEnd}`);

    const files = await withNode(path, (h) => h.snapshot().files);
    assert.equal(namesUnder(files, "c-").length, n);
    assert.equal(namesUnder(files, "t-").length, n);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a process killed mid-run leaves what it finished and a readable node", async () => {
  const { dir, path } = await tempNode();
  try {
    await withNode(path, (_host, faults) => {
      faults.delayMs = 20;
    });
    const worker = new NodeWorker(dir, ["mkdir", path, "/var/lib/k-", "1000"]);
    await worker.waitFor("done 4");
    worker.child.kill("SIGKILL");
    const { status, lines } = await worker.finish();
    assert.equal(status.signal, "SIGKILL");
    const done = lines.filter((l) => l.startsWith("done ")).length;

    parseNodeFile(await Deno.readTextFile(path));
    const files = await withNode(path, (h) => h.snapshot().files);
    for (let i = 0; i < done; i++) assert.ok(files[`/var/lib/k-${i}`], `k-${i} reported done`);
    // At most one command can have finished after its last report.
    const made = namesUnder(files, "k-").length;
    assert.ok(made === done || made === done + 1, `${made} made, ${done} reported`);
    assert.ok(done < 1000, "killed before the end");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a process killed while holding the node's lock releases it", async () => {
  const { dir, path } = await tempNode();
  try {
    const worker = new NodeWorker(dir, ["hold", path]);
    await worker.waitFor("holding");
    const read = withNode(path, (h) => h.exists("/var/lib/never-saved"));
    const first = await Promise.race([
      read.then(() => "read"),
      new Promise((resolve) => setTimeout(() => resolve("blocked"), 300)),
    ]);
    assert.equal(first, "blocked", "the worker's lock keeps the test out");
    worker.child.kill("SIGKILL");
    assert.equal((await worker.finish()).status.signal, "SIGKILL");
    assert.equal(await read, false, "the killed holder saved nothing");
    assert.equal((await new FileBackedHost(path).run(["mkdir", "-p", "/var/lib/after"])).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
