/** Process and port helpers of the harness, with ordinary system binaries. */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePorts,
  isAlive,
  logTail,
  portIsFree,
  runsBinary,
  spawnComponent,
  stopComponent,
} from "./processes.ts";

const netAllowed = (await Deno.permissions.query({ name: "net", host: "127.0.0.1" })).state ===
  "granted";

Deno.test({
  name: "processes: freePorts returns distinct free ports; a bound port is not free",
  ignore: !netAllowed,
  fn() {
    const ports = freePorts(5);
    assert.equal(new Set(ports).size, 5);
    for (const port of ports) assert.ok(portIsFree(port), `port ${port} free`);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: ports[0] });
    try {
      assert.equal(portIsFree(ports[0]), false);
    } finally {
      listener.close();
    }
  },
});

Deno.test("processes: stopComponent ends a process by SIGTERM, or by SIGKILL if it ignores it", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-proc-" });
  const cases = [
    { name: "polite", script: "echo started; while :; do sleep 0.05; done", graceMs: 5_000 },
    {
      name: "stubborn",
      script: "trap '' TERM; echo started; while :; do sleep 0.05; done",
      graceMs: 300,
    },
  ];
  try {
    for (const { name, script, graceMs } of cases) {
      await t.step(name, async () => {
        const logFile = join(dir, `${name}.log`);
        const process = spawnComponent({ name, binary: "/bin/sh", args: ["-c", script], logFile });
        while (!(await logTail(logFile)).includes("started")) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.ok(isAlive(process.pid));
        assert.ok(runsBinary(process.pid, "/bin/sh"));
        assert.equal(runsBinary(process.pid, "/bin/true"), false);
        const started = Date.now();
        await stopComponent(process, graceMs);
        assert.equal(isAlive(process.pid), false);
        assert.ok(Date.now() - started >= (name === "stubborn" ? graceMs : 0));
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("processes: logTail puts a scrolled-out cobra error first", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-proc-" });
  const usage = Array.from({ length: 50 }, (_, i) => `  --flag-${i}`);
  const cases = [
    {
      name: "error above the tail",
      lines: ["Error: unknown flag: --x", ...usage],
      first: "Error: unknown flag: --x",
    },
    { name: "error inside the tail", lines: [...usage, "Error: bad"], first: "  --flag-11" },
    { name: "no error", lines: usage, first: "  --flag-10" },
  ];
  try {
    for (const { name, lines, first } of cases) {
      await t.step(name, async () => {
        const file = join(dir, "log");
        await Deno.writeTextFile(file, lines.join("\n") + "\n");
        const tail = (await logTail(file)).split("\n");
        assert.equal(tail[0], first);
        assert.equal(tail.at(-1), lines.at(-1));
      });
    }
    assert.match(await logTail(join(dir, "missing")), /no log at/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
