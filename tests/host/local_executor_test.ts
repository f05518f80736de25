import assert from "node:assert/strict";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { LocalExecutor, NODE_PATH } from "../../src/host/local_executor.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "local_executor_test_" });
}

function rmdirError(dir: string, text: string): RegExp {
  return new RegExp(`^(/usr)?(/bin/)?rmdir: failed to remove '${dir}/a/b': ${text}\n$`);
}

Deno.test("coreutils through the guard: mkdir, tee with stdin, rm, rmdir", async () => {
  const dir = await tempDir();
  try {
    const exec = new AllowlistExecutor(new LocalExecutor());
    assert.deepEqual(await exec.run(["mkdir", "-p", "-m", "0777", `${dir}/a/b`]), {
      code: 0,
      stdout: "",
      stderr: "",
    });
    assert.equal((await Deno.stat(`${dir}/a/b`)).mode! & 0o777, 0o777);
    const content = "[Unit]\nDescription=é ünïcode\n";
    assert.deepEqual(await exec.run(["tee", `${dir}/a/b/unit`], { stdin: content }), {
      code: 0,
      stdout: content,
      stderr: "",
    });
    assert.equal(await Deno.readTextFile(`${dir}/a/b/unit`), content);
    // Deno passes the resolved path as argv[0], and coreutils name themselves by it.
    const notEmpty = await exec.run(["rmdir", `${dir}/a/b`]);
    assert.equal(notEmpty.code, 1);
    assert.match(notEmpty.stderr, rmdirError(dir, "Directory not empty"));
    assert.equal((await exec.run(["rm", "-f", `${dir}/a/b/unit`])).code, 0);
    assert.equal((await exec.run(["rmdir", `${dir}/a/b`])).code, 0);
    const missing = await exec.run(["rmdir", `${dir}/a/b`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, rmdirError(dir, "No such file or directory"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the child gets only PATH and LC_ALL=C", async () => {
  Deno.env.set("LOCAL_LVM_TEST_SECRET", "leak");
  try {
    const exec = new AllowlistExecutor(new LocalExecutor(), ["env"]);
    const r = await exec.run(["env"]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout.trim().split("\n").sort(), ["LC_ALL=C", `PATH=${NODE_PATH}`]);
  } finally {
    Deno.env.delete("LOCAL_LVM_TEST_SECRET");
  }
});

Deno.test("the prefix is prepended to every command", async () => {
  const exec = new LocalExecutor({ prefix: ["env", "LOCAL_LVM_PREFIX=applied"] });
  const r = await exec.run(["printenv", "LOCAL_LVM_PREFIX"]);
  assert.deepEqual(r, { code: 0, stdout: "applied\n", stderr: "" });
});

Deno.test("a missing binary gives exit code 127 and says so", async () => {
  const r = await new LocalExecutor().run(["no-such-binary-local-lvm"]);
  assert.equal(r.code, 127);
  assert.match(r.stderr, /no-such-binary-local-lvm: command not found/);
});

Deno.test("a command past its timeout is killed with SIGTERM and gets code 124", async () => {
  const started = performance.now();
  const r = await new LocalExecutor().run(["sleep", "10"], { timeoutMs: 100 });
  const elapsed = performance.now() - started;
  assert.equal(r.code, 124);
  assert.match(r.stderr, /sleep: timed out after 100 ms \(killed with SIGTERM\)/);
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
});

Deno.test("a command ignoring SIGTERM is killed with SIGKILL after the grace period", async () => {
  const exec = new LocalExecutor({ killGraceMs: 200 });
  const started = performance.now();
  // The shell execs sleep, which keeps SIGTERM ignored.
  const r = await exec.run(["sh", "-c", "trap '' TERM; echo started; exec sleep 10"], {
    timeoutMs: 200,
  });
  const elapsed = performance.now() - started;
  assert.equal(r.code, 124);
  assert.equal(r.stdout, "started\n");
  assert.match(r.stderr, /killed with SIGKILL/);
  assert.ok(elapsed >= 350 && elapsed < 3000, `took ${elapsed} ms`);
});

Deno.test("the default timeout applies when a command sets none", async () => {
  const r = await new LocalExecutor({ defaultTimeoutMs: 50 }).run(["sleep", "5"]);
  assert.equal(r.code, 124);
});

Deno.test("a command that exits without reading stdin does not fail the run", async () => {
  const r = await new LocalExecutor().run(["true"], { stdin: "x".repeat(1 << 20) });
  assert.equal(r.code, 0);
});
