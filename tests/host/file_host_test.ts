import assert from "node:assert/strict";
import { join } from "node:path";
import { FileBackedHost, NodeFileError, withNode } from "../../src/host/sim/mod.ts";
import { lvcreate, LVS, MIB, VGS } from "./helpers.ts";

const SEEDS = [{ name: "vg0", sizeBytes: 2 ** 30 }];
const FULL = { code: 5, stderr: '  Volume group "vg0" has insufficient free space.\n' };

/** Runs `fn` with a fresh node file in a temp directory. */
async function withTempNode(fn: (path: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "file_host_" });
  try {
    const path = join(dir, "node.json");
    await FileBackedHost.init(path, { vgs: SEEDS });
    await fn(path, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function must(host: FileBackedHost, argv: string[]): Promise<string> {
  const r = await host.run(argv);
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

Deno.test("a node outlives the object that made it: a restarted agent finds its LVs", async () => {
  await withTempNode(async (path) => {
    const first = new FileBackedHost(path);
    await must(first, lvcreate("pvc-1", 8 * MIB));
    await must(first, ["mkfs.ext4", "-q", "-m", "0", "/dev/vg0/pvc-1"]);
    await must(first, ["mkdir", "-p", "/data/pvc-1"]);
    await must(first, ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/pvc-1"]);
    assert.deepEqual(first.log.map((e) => [e.argv[0], e.code]), [
      ["lvcreate", 0],
      ["mkfs.ext4", 0],
      ["mkdir", 0],
      ["mount", 0],
    ]);

    const restarted = new FileBackedHost(path);
    assert.match(await must(restarted, VGS), /"vg_free_count":"254"/);
    const seen = await withNode(path, (h) => [h.listLvs().map((l) => l.name), h.mounts()]);
    assert.deepEqual(seen, [["pvc-1"], [{
      target: "/data/pvc-1",
      source: "/dev/mapper/vg0-pvc--1",
      fstype: "ext4",
      options: "rw,relatime",
    }]]);
  });
});

Deno.test("init refuses to overwrite a node unless told to; missing and broken files are named", async () => {
  await withTempNode(async (path, dir) => {
    await must(new FileBackedHost(path), ["mkdir", "-p", "/data/x"]);
    await assert.rejects(FileBackedHost.init(path, { vgs: SEEDS }), Deno.errors.AlreadyExists);
    assert.equal(await withNode(path, (h) => h.exists("/data/x")), true, "kept");
    await FileBackedHost.init(path, { vgs: SEEDS, replace: true });
    assert.equal(await withNode(path, (h) => h.exists("/data/x")), false, "replaced");

    const missing = join(dir, "none.json");
    await assert.rejects(new FileBackedHost(missing).run(VGS), (e: unknown) => {
      assert.ok(e instanceof NodeFileError);
      assert.match(e.message, /^no simulated node at .*none\.json \(create it with/);
      return true;
    });
    await Deno.writeTextFile(path, '{"format": 7}');
    await assert.rejects(withNode(path, () => 1), (e: unknown) => {
      assert.ok(e instanceof NodeFileError);
      assert.equal(
        e.message,
        `${path}: unsupported node state file format 7 (this build reads format 1)`,
      );
      return true;
    });
  });
});

Deno.test("read-only commands leave the file alone; changes replace it atomically", async () => {
  await withTempNode(async (path) => {
    const host = new FileBackedHost(path);
    const before = await Deno.stat(path);
    const text = await Deno.readTextFile(path);
    for (const argv of [VGS, ["blkid", "-p", "-o", "export", "/dev/vg0/x"], ["rmdir", "/nope"]]) {
      await host.run(argv);
    }
    assert.equal((await Deno.stat(path)).ino, before.ino, "not rewritten");
    assert.equal(await Deno.readTextFile(path), text);
    await must(host, ["mkdir", "-p", "/data/y"]);
    assert.notEqual((await Deno.stat(path)).ino, before.ino, "replaced by rename");
    const leftovers = [];
    for await (const entry of Deno.readDir(join(path, ".."))) leftovers.push(entry.name);
    assert.deepEqual(leftovers.sort(), ["node.json", "node.json.lock", "node.json.stamp"]);
  });
});

Deno.test("persisted failures fire on matching commands and count down in the file", async () => {
  await withTempNode(async (path) => {
    await withNode(path, (_h, faults) => {
      faults.failures.push({ argvPrefix: ["lvcreate"], ...FULL, times: 2 });
      faults.failures.push({
        argvPrefix: ["mkdir", "-p", "/data/b"],
        code: 1,
        stderr: "no\n",
        times: 1,
      });
    });
    const host = new FileBackedHost(path);
    assert.deepEqual(await host.run(lvcreate("a", 8 * MIB)), { ...FULL, stdout: "" });
    assert.equal(
      await withNode(path, (_h, faults) => faults.failures[0].times),
      1,
      "the count is saved as it fires",
    );
    // Another process (here: another object) sees the remaining count.
    assert.equal((await new FileBackedHost(path).run(lvcreate("a", 8 * MIB))).code, 5);
    assert.equal((await host.run(lvcreate("a", 8 * MIB))).code, 0, "used up");
    assert.equal((await host.run(["mkdir", "-p", "/data/a"])).code, 0, "prefix does not match");
    assert.equal((await host.run(["mkdir", "-p", "/data/b"])).code, 1);
    assert.equal((await host.run(["mkdir", "-p", "/data/b"])).code, 0);
    assert.deepEqual(await withNode(path, (h, faults) => [h.listLvs().length, faults.failures]), [
      1,
      [],
    ]);
    assert.deepEqual(host.log.map((e) => e.fault ?? "-"), ["fail", "-", "-", "fail", "-"]);
  });
});

Deno.test("delayMs slows every command without locking others out; a short timeout kills it", async () => {
  await withTempNode(async (path) => {
    await withNode(path, (_h, faults) => {
      faults.delayMs = 300;
    });
    const host = new FileBackedHost(path);
    const started = performance.now();
    const running = host.run(["mkdir", "-p", "/data/slow"]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const peekStarted = performance.now();
    assert.equal(await withNode(path, (h) => h.exists("/data/slow")), false, "not yet");
    assert.ok(performance.now() - peekStarted < 200, "the delay holds no lock");
    assert.equal((await running).code, 0);
    assert.ok(performance.now() - started >= 295);
    assert.equal(await withNode(path, (h) => h.exists("/data/slow")), true);

    const r = await host.run(["mkdir", "-p", "/data/late"], { timeoutMs: 40 });
    assert.equal(r.code, 124);
    assert.match(r.stderr, /^mkdir: timed out after 40 ms/);
    assert.equal(await withNode(path, (h) => h.exists("/data/late")), false, "no effect");
  });
});

Deno.test("withNode arranges state for others; a throwing or invalid arrangement saves nothing", async () => {
  await withTempNode(async (path) => {
    const host = new FileBackedHost(path);
    await must(host, lvcreate("pvc-1", 8 * MIB));
    await must(host, ["mkfs.ext4", "-q", "-m", "0", "/dev/vg0/pvc-1"]);
    await must(host, ["mkdir", "-p", "/data/pvc-1"]);
    await must(host, ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/pvc-1"]);
    await withNode(path, (h) => {
      h.hold("/data/pvc-1");
      h.writeFile("/data/pvc-1/data/f", "x");
    });
    const busy = await host.run(["umount", "/data/pvc-1"]);
    assert.equal(busy.code, 32);
    assert.match(busy.stderr, /target is busy/);
    await withNode(path, (h) => h.release("/data/pvc-1"));
    await must(host, ["umount", "/data/pvc-1"]);
    assert.equal(await withNode(path, (h) => h.readFile("/data/pvc-1/data/f")), undefined);

    await withNode(path, (h) => h.setFilesystem("/dev/vg0/pvc-1", { type: "xfs", uuid: "u" }));
    assert.match(await must(host, ["blkid", "-p", "-o", "export", "/dev/vg0/pvc-1"]), /TYPE=xfs/);

    const text = await Deno.readTextFile(path);
    await assert.rejects(
      withNode(path, (h) => {
        h.mkdir("/data/thrown");
        throw new Error("test gave up");
      }),
      /test gave up/,
    );
    await assert.rejects(
      withNode(path, (_h, faults) => {
        faults.delayMs = -1;
      }),
      /faults\.delayMs: expected an integer of at least 0, got -1/,
    );
    assert.equal(await Deno.readTextFile(path), text, "neither call saved anything");
    assert.equal(await withNode(path, async (h) => (await h.run(VGS)).code), 0, "async fn");
  });
});

Deno.test("concurrent commands in one process are serialised by the lock too", async () => {
  await withTempNode(async (path) => {
    const hosts = [new FileBackedHost(path), new FileBackedHost(path)];
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => hosts[i % 2].run(["mkdir", "-p", `/var/lib/p-${i}`])),
    );
    assert.deepEqual(results.filter((r) => r.code !== 0), []);
    const files = await withNode(path, (h) => h.snapshot().files);
    assert.equal(Object.keys(files).filter((p) => p.startsWith("/var/lib/p-")).length, 60);
  });
});

Deno.test("a host that keeps its last parse still sees what others changed in between", async () => {
  await withTempNode(async (path) => {
    const agent = new FileBackedHost(path);
    const other = new FileBackedHost(path);
    await must(agent, lvcreate("pvc-1", 8 * MIB)); // agent's parse is now warm
    await must(other, lvcreate("pvc-2", 8 * MIB));
    await withNode(path, (host) => host.run(["mkdir", "-p", "/data/marker"]));
    const lvs = await must(agent, LVS);
    assert.match(lvs, /pvc-1/);
    assert.match(lvs, /pvc-2/);
    await must(agent, ["rmdir", "/data/marker"]); // fails unless the agent sees it
    // A fault armed by someone else after the agent's last command is honoured, once.
    await withNode(path, (_, faults) => {
      faults.failures.push({ argvPrefix: ["lvremove"], code: 5, stderr: "boom\n", times: 1 });
    });
    assert.equal((await agent.run(["lvremove", "--yes", "vg0/pvc-1"])).code, 5);
    await must(agent, ["lvremove", "--yes", "vg0/pvc-1"]);
    await must(other, ["lvremove", "--yes", "vg0/pvc-2"]);
    assert.deepEqual(await withNode(path, (h) => h.listLvs().length), 0);
  });
});

Deno.test("a file written around the stamp is still noticed (its size changed)", async () => {
  await withTempNode(async (path, dir) => {
    const agent = new FileBackedHost(path);
    await must(agent, ["mkdir", "-p", "/data/a"]); // agent's parse is now warm
    const elsewhere = join(dir, "other.json");
    await FileBackedHost.init(elsewhere, { vgs: SEEDS });
    await must(new FileBackedHost(elsewhere), ["mkdir", "-p", "/data/another"]);
    // A copy over the node file, as a person might make one: the stamp stays as it was.
    await Deno.writeTextFile(path, await Deno.readTextFile(elsewhere));
    await must(agent, ["rmdir", "/data/another"]); // fails unless the agent re-read the file
    assert.equal((await agent.run(["rmdir", "/data/a"])).code, 1, "/data/a went with the copy");
  });
});

Deno.test("a command unsupported part-way changes neither the file nor the next command", async () => {
  await withTempNode(async (path) => {
    const host = new FileBackedHost(path);
    await must(host, ["mkdir", "-p", "/data/kept"]);
    const before = await Deno.readTextFile(path);
    // Unsupported after parsing: exit 3, and whatever it touched in memory is thrown away.
    const r = await host.run(["lvcreate", "--activate", "n", "--name", "p", "--size", "8m", "vg0"]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(await Deno.readTextFile(path), before);
    await must(host, ["rmdir", "/data/kept"]);
    assert.deepEqual(await withNode(path, (h) => h.listLvs().length), 0);
  });
});
