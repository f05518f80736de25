import assert from "node:assert/strict";
import {
  AllowlistExecutor,
  DEFAULT_ALLOWLIST,
  ForbiddenCommandError,
} from "../../src/host/allowlist.ts";
import type { CommandResult, Executor, RunOptions } from "../../src/host/executor.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";

class Recorder implements Executor {
  calls: { argv: readonly string[]; options?: RunOptions }[] = [];
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    this.calls.push({ argv, options });
    return Promise.resolve({ code: 0, stdout: "ran", stderr: "" });
  }
}

Deno.test("the default allowlist is the contract's list", () => {
  assert.deepEqual([...DEFAULT_ALLOWLIST].sort(), [
    "blkid",
    "cp",
    "findmnt",
    "lvcreate",
    "lvextend",
    "lvremove",
    "lvs",
    "mkdir",
    "mkfs.ext4",
    "mkfs.xfs",
    "mount",
    "resize2fs",
    "rm",
    "rmdir",
    "systemctl",
    "tee",
    "umount",
    "vgs",
    "xfs_growfs",
  ]);
  assert.ok(Object.isFrozen(DEFAULT_ALLOWLIST));
});

Deno.test("forbidden argv never reaches the inner executor", async () => {
  const cases: [string[], RegExp][] = [
    [[], /empty argv/],
    [[""], /empty binary name/],
    [["/usr/sbin/lvs"], /bare name/],
    [["./lvs"], /bare name/],
    [["nsenter", "-t", "1", "--", "lvs"], /nsenter is not in the allowlist/],
    [["sh", "-c", "lvs"], /sh is not in the allowlist/],
    [["LVS"], /not in the allowlist/],
    [["lvs", "a\0b"], /NUL/],
  ];
  for (const [argv, message] of cases) {
    const inner = new Recorder();
    const guard = new AllowlistExecutor(inner);
    await assert.rejects(guard.run(argv), (e: unknown) => {
      assert.ok(e instanceof ForbiddenCommandError, String(e));
      assert.match(e.message, message);
      return true;
    });
    assert.equal(inner.calls.length, 0);
  }
});

Deno.test("allowed argv passes through with its options", async () => {
  const inner = new Recorder();
  const guard = new AllowlistExecutor(inner);
  for (const bin of DEFAULT_ALLOWLIST) {
    assert.equal((await guard.run([bin, "x"], { stdin: "s", timeoutMs: 5 })).stdout, "ran");
  }
  assert.equal(inner.calls.length, DEFAULT_ALLOWLIST.length);
  assert.deepEqual(inner.calls[0].options, { stdin: "s", timeoutMs: 5 });
});

Deno.test("a custom allowlist replaces the default", async () => {
  const guard = new AllowlistExecutor(new Recorder(), ["printenv"]);
  assert.equal((await guard.run(["printenv"])).code, 0);
  await assert.rejects(guard.run(["lvs"]), ForbiddenCommandError);
});

Deno.test("the guard wraps the simulated host too", async () => {
  const guard = new AllowlistExecutor(SimulatedHost.create());
  await assert.rejects(guard.run(["cat", "/etc/passwd"]), ForbiddenCommandError);
  assert.equal((await guard.run(["mkdir", "-p", "/var/lib/x"])).code, 0);
});
