import assert from "node:assert/strict";
import type { CommandResult } from "../../src/host/executor.ts";
import { must, newHost } from "./helpers.ts";

const ok = (stdout = ""): CommandResult => ({ code: 0, stdout, stderr: "" });
const err = (stderr: string, stdout = ""): CommandResult => ({ code: 1, stdout, stderr });

Deno.test("coreutils commands: results match GNU coreutils in the C locale", async () => {
  const host = newHost();
  host.writeFile("/data/file", "x");
  await must(host, ["mkdir", "-p", "/data/full/sub"]);
  const cases: { argv: string[]; stdin?: string; want: CommandResult }[] = [
    { argv: ["mkdir", "-p", "/data/a/b/c"], want: ok() },
    { argv: ["mkdir", "-p", "/data/a/b/c"], want: ok() },
    {
      argv: ["mkdir", "-p", "/data/file"],
      want: err("mkdir: cannot create directory '/data/file': File exists\n"),
    },
    {
      argv: ["mkdir", "-p", "/data/file/x/y"],
      want: err("mkdir: cannot create directory '/data/file': Not a directory\n"),
    },
    { argv: ["rmdir", "/data/a/b/c"], want: ok() },
    {
      argv: ["rmdir", "/data/none"],
      want: err("rmdir: failed to remove '/data/none': No such file or directory\n"),
    },
    {
      argv: ["rmdir", "/data/full"],
      want: err("rmdir: failed to remove '/data/full': Directory not empty\n"),
    },
    {
      argv: ["rmdir", "/data/file"],
      want: err("rmdir: failed to remove '/data/file': Not a directory\n"),
    },
    {
      argv: ["rmdir", "/data/file/x"],
      want: err("rmdir: failed to remove '/data/file/x': Not a directory\n"),
    },
    {
      argv: ["rmdir", "/data/it's"],
      want: err(`rmdir: failed to remove "/data/it's": No such file or directory\n`),
    },
    { argv: ["tee", "/data/new"], stdin: "hello\n", want: ok("hello\n") },
    {
      argv: ["tee", "/data/nodir/x"],
      stdin: "hello\n",
      want: err("tee: /data/nodir/x: No such file or directory\n", "hello\n"),
    },
    {
      argv: ["tee", "/data/full"],
      stdin: "hi",
      want: err("tee: /data/full: Is a directory\n", "hi"),
    },
    {
      argv: ["tee", "/data/file/x"],
      stdin: "hi",
      want: err("tee: /data/file/x: Not a directory\n", "hi"),
    },
    { argv: ["rm", "-f", "/data/new"], want: ok() },
    { argv: ["rm", "-f", "/data/new"], want: ok() },
    { argv: ["rm", "-f", "/data/file/x"], want: ok() },
    {
      argv: ["rm", "-f", "/data/full"],
      want: err("rm: cannot remove '/data/full': Is a directory\n"),
    },
  ];
  for (const c of cases) {
    const r = await host.run(c.argv, c.stdin === undefined ? {} : { stdin: c.stdin });
    assert.deepEqual(r, c.want, c.argv.join(" "));
  }
  assert.equal(host.exists("/data/a/b"), true);
  assert.equal(host.exists("/data/a/b/c"), false);
  assert.equal(host.exists("/data/new"), false);
});

Deno.test("mkdir -p -m sets the mode of the last directory only", async () => {
  const host = newHost();
  await must(host, ["mkdir", "-p", "-m", "0777", "/data/m1/m2"]);
  const files = host.snapshot().files;
  assert.deepEqual(files["/data/m1"], { type: "dir", mode: "0755" });
  assert.deepEqual(files["/data/m1/m2"], { type: "dir", mode: "0777" });
  // An existing directory keeps its mode.
  await must(host, ["mkdir", "-m", "0700", "-p", "/data/m1/m2"]);
  assert.deepEqual(host.snapshot().files["/data/m1/m2"], { type: "dir", mode: "0777" });
});

Deno.test("tee writes a 0644 file and keeps the mode of an existing one", async () => {
  const host = newHost();
  await must(host, ["tee", "/var/lib/f"], "one");
  host.writeFile("/var/lib/g", "old", 0o600);
  await must(host, ["tee", "/var/lib/g"], "two");
  const files = host.snapshot().files;
  assert.deepEqual(files["/var/lib/f"], { type: "file", mode: "0644", content: "one" });
  assert.deepEqual(files["/var/lib/g"], { type: "file", mode: "0600", content: "two" });
  assert.equal(host.readFile("/var/lib/g"), "two");
});

Deno.test("paths are normalised, but messages echo what was given", async () => {
  const host = newHost();
  await must(host, ["mkdir", "-p", "/data//x/./y/"]);
  assert.equal(host.exists("/data/x/y"), true);
  assert.equal(
    (await host.run(["rmdir", "/data//x"])).stderr,
    "rmdir: failed to remove '/data//x': Directory not empty\n",
  );
});
