import assert from "node:assert/strict";
import { SimulatedCrash, SimulatedHost } from "../../src/host/sim/mod.ts";
import { lvcreate, MIB, must, newHost } from "./helpers.ts";

const FULL = {
  code: 5,
  stderr: '  Volume group "vg0" has insufficient free space (0 extents): 2 required.\n',
};

Deno.test("failOn: the nth matching command fails with that result and no effect", async () => {
  const host = newHost();
  host.failOn(["lvcreate"], { ...FULL, nth: 2 });
  assert.equal((await host.run(lvcreate("a", 8 * MIB))).code, 0);
  assert.deepEqual(await host.run(lvcreate("b", 8 * MIB)), {
    code: 5,
    stdout: "",
    stderr: FULL.stderr,
  });
  assert.equal((await host.run(lvcreate("c", 8 * MIB))).code, 0);
  assert.deepEqual(host.listLvs().map((l) => l.name), ["a", "c"]);
  assert.deepEqual(host.log.map((e) => e.fault), [undefined, "fail", undefined]);
});

Deno.test("failOn: times, predicates and clearFaults", async () => {
  const host = newHost();
  host.failOn((argv) => argv[0] === "mkdir" && argv.at(-1) === "/data/x", {
    code: 1,
    stderr: "boom\n",
    times: 2,
  });
  const mkdir = (p: string) => host.run(["mkdir", "-p", p]);
  assert.equal((await mkdir("/data/y")).code, 0, "a non-matching command is untouched");
  assert.equal((await mkdir("/data/x")).code, 1);
  assert.equal((await mkdir("/data/x")).code, 1);
  assert.equal((await mkdir("/data/x")).code, 0, "only `times` failures");
  host.failOn(["rmdir"], { code: 1, stderr: "no\n", times: Infinity });
  assert.equal((await host.run(["rmdir", "/data/y"])).code, 1);
  host.clearFaults();
  assert.equal((await host.run(["rmdir", "/data/y"])).code, 0);
  assert.throws(() => host.failOn(["x"], { code: 1, stderr: "", nth: 0 }), RangeError);
});

Deno.test("crashOn before: no effect, onCrash runs, run() rejects with SimulatedCrash", async () => {
  const host = newHost();
  const controller = new AbortController();
  host.onCrash = () => controller.abort();
  host.crashOn(["lvcreate"], "before");
  await assert.rejects(host.run(lvcreate("a", 8 * MIB)), (e: unknown) => {
    assert.ok(e instanceof SimulatedCrash);
    assert.equal(e.when, "before");
    return true;
  });
  assert.equal(controller.signal.aborted, true);
  assert.deepEqual(host.listLvs(), []);
  // The node lives on: the next attempt works.
  await must(host, lvcreate("a", 8 * MIB));
  assert.deepEqual(host.log.map((e) => [e.fault, e.code]), [["crash-before", undefined], [
    undefined,
    0,
  ]]);
});

Deno.test("crashOn after: the effect happened, then the caller died", async () => {
  const host = newHost();
  let crashes = 0;
  host.crashOn(["mkdir", "-p"], "after", { nth: 2, onCrash: () => crashes++ });
  await must(host, ["mkdir", "-p", "/data/one"]);
  await assert.rejects(host.run(["mkdir", "-p", "/data/two"]), SimulatedCrash);
  assert.equal(crashes, 1);
  assert.equal(host.exists("/data/two"), true);
  await must(host, ["mkdir", "-p", "/data/three"]);
});

Deno.test("hangOn: the command ends at its timeout like a killed command", async () => {
  const host = newHost();
  host.hangOn(["lvcreate"]);
  const started = performance.now();
  const r = await host.run(lvcreate("a", 8 * MIB), { timeoutMs: 50 });
  assert.ok(performance.now() - started >= 45);
  assert.equal(r.code, 124);
  assert.match(r.stderr, /^lvcreate: timed out after 50 ms/);
  assert.deepEqual(host.listLvs(), [], "a hang has no effect by default");

  host.clearFaults();
  host.hangOn(["lvcreate"], { applyEffect: true });
  assert.equal((await host.run(lvcreate("b", 8 * MIB), { timeoutMs: 10 })).code, 124);
  assert.deepEqual(host.listLvs().map((l) => l.name), ["b"], "did its work, then stalled");
});

Deno.test("hangOn without a timeout waits for the host's default", async () => {
  const slow = SimulatedHost.create({ defaultTimeoutMs: 20 });
  slow.hangOn(["vgs"]);
  assert.equal((await slow.run(["vgs"])).code, 124);
});
