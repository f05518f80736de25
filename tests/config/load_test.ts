import assert from "node:assert/strict";
import { type ConfigLogger, loadConfigFile, sha256Hex } from "../../src/config/mod.ts";
import { getLogger } from "@logtape/logtape";

Deno.test("loadConfigFile reads, parses and validates", async () => {
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-config-" });
  try {
    const good = `${dir}/good.json`;
    await Deno.writeTextFile(good, `{"nodeVGMap":[{"node":"n1","path":"/d/","vgs":["vg0"]}]}`);
    const ok = await loadConfigFile(good);
    assert.ok(ok.ok);
    assert.equal(ok.config.nodes.get("n1")?.path, "/d");

    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(bad, `{"nodeVGMap":[{"node":"n1","path":"d","vgs":[]}]}`);
    assert.deepEqual(await loadConfigFile(bad), {
      ok: false,
      errors: ["$.nodeVGMap[0].path: mount path must start with / for path d on node n1"],
      warnings: [],
    });

    const missing = await loadConfigFile(`${dir}/missing.json`);
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.equal(missing.errors.length, 1);
      assert.match(
        missing.errors[0],
        /^fail to load config file .*\/missing\.json: .*No such file/,
      );
    }

    const directory = await loadConfigFile(dir);
    assert.equal(directory.ok, false);
    if (!directory.ok) {
      assert.ok(directory.errors[0].startsWith(`fail to load config file ${dir}: `));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sha256Hex", async () => {
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("a LogTape logger satisfies ConfigLogger", () => {
  // Compile-time check; the call proves the methods exist at run time too.
  const logger: ConfigLogger = getLogger(["local-lvm", "config"]);
  logger.info("test message {x}", { x: 1 });
});
