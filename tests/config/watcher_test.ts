import assert from "node:assert/strict";
import { type Config, ConfigError, ConfigWatcher } from "../../src/config/mod.ts";
import { ConfigMapDir, configText, delay, RecordingLogger, waitFor } from "./test_helpers.ts";

const BAD_TEXT = `{"nodeVGMap":[{"node":"n1","path":"rel","vgs":["vg0","vg0"]}]}`;
const BAD_ERRORS = [
  "$.nodeVGMap[0].path: mount path must start with / for path rel on node n1",
  "$.nodeVGMap[0].vgs[1]: duplicate volume group vg0 on node n1",
];

function vgsOf(config: Config): readonly string[] | undefined {
  return config.nodes.get("n1")?.vgs;
}

/** Runs `body` with a plain temp dir holding `config.json`; always cleans up. */
/** A watching ConfigWatcher on `path` (20 ms debounce, no polling) that counts its changes. */
async function countingWatcher(path: string) {
  const logger = new RecordingLogger();
  let changes = 0;
  const watcher = await ConfigWatcher.start({
    path,
    logger,
    debounceMs: 20,
    pollIntervalMs: 0,
    onChange: () => void changes++,
  });
  return { watcher, logger, changes: () => changes };
}

async function withFile(text: string, body: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-config-" });
  try {
    await Deno.writeTextFile(`${dir}/config.json`, text);
    await body(`${dir}/config.json`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("start rejects an invalid file with every error", async () => {
  await withFile(BAD_TEXT, async (path) => {
    const logger = new RecordingLogger();
    const err = await ConfigWatcher.start({ path, logger }).then(
      () => assert.fail("started with an invalid file"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.errors, BAD_ERRORS);
    assert.equal(err.path, path);
  });
});

Deno.test("start rejects a missing file", async () => {
  const logger = new RecordingLogger();
  await assert.rejects(
    ConfigWatcher.start({ path: "/nonexistent/local-lvm/config.json", logger }),
    (err: unknown) =>
      err instanceof ConfigError && err.errors.length === 1 &&
      err.errors[0].startsWith("fail to load config file /nonexistent/local-lvm/config.json: "),
  );
});

Deno.test("reload outcomes: applied, unchanged, rejected, back to good, stopped", async () => {
  await withFile(configText("vg0"), async (path) => {
    const logger = new RecordingLogger();
    const changes: [Config, Config][] = [];
    let clock = 1_000;
    const watcher = await ConfigWatcher.start({
      path,
      logger,
      watch: false,
      pollIntervalMs: 0,
      now: () => new Date(clock),
      onChange: (next, previous) => {
        changes.push([next, previous]);
      },
    });
    try {
      const first = watcher.current();
      assert.deepEqual(vgsOf(first), ["vg0"]);
      assert.equal(await watcher.reload(), "unchanged");

      await Deno.writeTextFile(path, BAD_TEXT);
      assert.equal(await watcher.reload(), "rejected");
      assert.equal(watcher.current(), first);
      assert.deepEqual(logger.errors(), BAD_ERRORS);
      assert.deepEqual(watcher.stats().lastErrors, BAD_ERRORS);
      assert.equal(watcher.stats().lastReloadOk, false);

      // The same invalid text again: not logged twice.
      assert.equal(await watcher.reload(), "unchanged");
      assert.equal(logger.errors().length, BAD_ERRORS.length);

      // Reverted to the text in use: healthy again, nothing re-applied.
      await Deno.writeTextFile(path, configText("vg0"));
      assert.equal(await watcher.reload(), "unchanged");
      assert.equal(watcher.stats().lastReloadOk, true);
      assert.deepEqual(watcher.stats().lastErrors, []);
      assert.equal(changes.length, 0);

      clock = 2_000;
      await Deno.writeTextFile(path, configText("vg9"));
      assert.equal(await watcher.reload(), "applied");
      assert.deepEqual(vgsOf(watcher.current()), ["vg9"]);
      assert.equal(changes.length, 1);
      assert.equal(changes[0][0], watcher.current());
      assert.equal(changes[0][1], first);

      await Deno.remove(path);
      assert.equal(await watcher.reload(), "rejected");
      assert.match(String(watcher.stats().lastErrors[0]), /^fail to load config file /);
      assert.deepEqual(vgsOf(watcher.current()), ["vg9"]);

      const stats = watcher.stats();
      assert.equal(stats.applied, 1);
      assert.equal(stats.rejected, 2);
      assert.equal(stats.unchanged, 3);
      assert.equal(stats.lastAppliedAt.getTime(), 2_000);
      assert.equal(stats.lastRejectedAt?.getTime(), 2_000);
    } finally {
      await watcher.stop();
    }
    assert.equal(await watcher.reload(), "stopped");
  });
});

Deno.test("watch: a valid change is applied and the listener called", async () => {
  await withFile(configText("vg0"), async (path) => {
    const logger = new RecordingLogger();
    const seen: string[][] = [];
    const watcher = await ConfigWatcher.start({
      path,
      logger,
      debounceMs: 20,
      pollIntervalMs: 0,
      onChange: (next) => {
        seen.push([...vgsOf(next) ?? []]);
      },
    });
    try {
      await Deno.writeTextFile(path, configText("vg1"));
      await waitFor(() => seen.length === 1, "the change");
      assert.deepEqual(seen, [["vg1"]]);
      assert.deepEqual(vgsOf(watcher.current()), ["vg1"]);
      assert.equal(watcher.stats().applied, 1);
    } finally {
      await watcher.stop();
    }
  });
});

Deno.test("watch: an invalid change keeps the last good config and logs every error", async () => {
  await withFile(configText("vg0"), async (path) => {
    const { watcher, logger, changes } = await countingWatcher(path);
    try {
      await Deno.writeTextFile(path, BAD_TEXT);
      await waitFor(() => watcher.stats().rejected === 1, "the rejection");
      assert.deepEqual(vgsOf(watcher.current()), ["vg0"]);
      assert.deepEqual(logger.errors(), BAD_ERRORS);
      assert.equal(changes(), 0);

      await Deno.writeTextFile(path, configText("vg2"));
      await waitFor(() => changes() === 1, "the fixed config");
      assert.deepEqual(vgsOf(watcher.current()), ["vg2"]);
      assert.equal(watcher.stats().lastReloadOk, true);
    } finally {
      await watcher.stop();
    }
  });
});

Deno.test("watch: a ConfigMap ..data symlink swap is picked up", async () => {
  const cm = await ConfigMapDir.create(configText("vg0"));
  const { watcher, changes } = await countingWatcher(cm.path);
  try {
    await cm.swap(configText("vg1"));
    await waitFor(() => changes() === 1, "the swapped config");
    assert.deepEqual(vgsOf(watcher.current()), ["vg1"]);

    await cm.swap(BAD_TEXT);
    await waitFor(() => watcher.stats().rejected === 1, "the swapped invalid config");
    assert.deepEqual(vgsOf(watcher.current()), ["vg1"]);

    await cm.swap(configText("vg3"));
    await waitFor(() => changes() === 2, "the second valid swap");
    assert.deepEqual(vgsOf(watcher.current()), ["vg3"]);
  } finally {
    await watcher.stop();
    await cm.remove();
  }
});

Deno.test("watch: unchanged content is not re-applied", async () => {
  const text = configText("vg0");
  const cm = await ConfigMapDir.create(text);
  const { watcher, logger, changes } = await countingWatcher(cm.path);
  try {
    const before = watcher.current();
    await cm.swap(text); // a new ..data target with identical content
    await waitFor(() => watcher.stats().unchanged === 1, "the re-read after the swap");
    await Deno.writeTextFile(`${cm.dir}/other-key.json`, "{}"); // another key of the map
    await waitFor(() => watcher.stats().unchanged === 2, "the re-read after the write");
    assert.equal(changes(), 0);
    assert.equal(watcher.stats().applied, 0);
    assert.equal(watcher.current(), before);
    assert.equal(logger.records.filter((r) => r.message.startsWith("Applied")).length, 1);
  } finally {
    await watcher.stop();
    await cm.remove();
  }
});

Deno.test("the periodic re-read catches changes without any watch", async () => {
  await withFile(configText("vg0"), async (path) => {
    const logger = new RecordingLogger();
    const watcher = await ConfigWatcher.start({ path, logger, watch: false, pollIntervalMs: 25 });
    try {
      await Deno.writeTextFile(path, configText("vg7"));
      await waitFor(() => watcher.stats().applied === 1, "the periodic re-read");
      assert.deepEqual(vgsOf(watcher.current()), ["vg7"]);
    } finally {
      await watcher.stop();
    }
  });
});

Deno.test("a failing listener is logged and the new config still applies", async () => {
  await withFile(configText("vg0"), async (path) => {
    const logger = new RecordingLogger();
    const watcher = await ConfigWatcher.start({
      path,
      logger,
      watch: false,
      pollIntervalMs: 0,
      onChange: () => Promise.reject(new Error("listener broke")),
    });
    try {
      await Deno.writeTextFile(path, configText("vg1"));
      assert.equal(await watcher.reload(), "applied");
      assert.deepEqual(vgsOf(watcher.current()), ["vg1"]);
      assert.deepEqual(logger.errors(), ["Error: listener broke"]);
    } finally {
      await watcher.stop();
    }
  });
});

Deno.test("after stop, changes are ignored", async () => {
  await withFile(configText("vg0"), async (path) => {
    const logger = new RecordingLogger();
    const watcher = await ConfigWatcher.start({ path, logger, debounceMs: 5, pollIntervalMs: 10 });
    await watcher.stop();
    await Deno.writeTextFile(path, configText("vg1"));
    await delay(100);
    assert.deepEqual(vgsOf(watcher.current()), ["vg0"]);
    assert.equal(watcher.stats().applied + watcher.stats().unchanged, 0);
  });
});

Deno.test("warnings are logged at start and on reload", async () => {
  const text = `{"nodeVGMap":[{"node":"n1","path":"/data","vgs":["vg0"],"vg":1}]}`;
  await withFile(text, async (path) => {
    const logger = new RecordingLogger();
    const watcher = await ConfigWatcher.start({ path, logger, watch: false, pollIntervalMs: 0 });
    try {
      const warnings = () =>
        logger.records.filter((r) => r.level === "warn").map((r) => r.properties?.warning);
      assert.deepEqual(warnings(), ['$.nodeVGMap[0].vg: unknown key "vg" (ignored)']);
      await Deno.writeTextFile(path, text.replace('"vg":1', '"vgz":1'));
      assert.equal(await watcher.reload(), "applied");
      assert.deepEqual(warnings().slice(1), ['$.nodeVGMap[0].vgz: unknown key "vgz" (ignored)']);
    } finally {
      await watcher.stop();
    }
  });
});
