import assert from "node:assert/strict";
import {
  deserializeState,
  NodeFileError,
  parseNodeFile,
  serializeState,
  SimulatedHost,
} from "../../src/host/sim/mod.ts";
import { busyHost, UNIT } from "./busy_node.ts";
import { findmnt, LVS, must, VGS } from "./helpers.ts";

Deno.test("a busy node survives serialize/deserialize unchanged", async () => {
  const original = await busyHost();
  const state = original.currentState();
  const text = serializeState(state);
  assert.equal(JSON.parse(text).format, 1);

  const restored = deserializeState(text);
  assert.deepEqual(restored, state);
  assert.equal(serializeState(restored), text, "same text again, so order survives too");
  const dir = restored.root.entries.get("var");
  assert.ok(dir?.kind === "dir");
  const order = dir.entries.get("lib");
  assert.ok(order?.kind === "dir");
  const names = order.entries.get("order");
  assert.ok(names?.kind === "dir");
  assert.deepEqual([...names.entries.keys()], ["b", "10", "a", "2"]);

  const copy = SimulatedHost.fromState(restored);
  assert.deepEqual(copy.snapshot(), original.snapshot());
  assert.equal(copy.unitFiles()[UNIT].links.length, 2);
  assert.equal(copy.isHeld("/data/pvc-1"), true);
  for (
    const argv of [VGS, LVS, findmnt("/data/ro-vol"), [
      "blkid",
      "-p",
      "-o",
      "export",
      "/dev/vg0/pvc-2",
    ]]
  ) {
    assert.deepEqual(await copy.run(argv), await original.run(argv), argv.join(" "));
  }
  // The copy behaves like the node: the hold keeps pvc-1 busy, the ro mount refuses writes.
  assert.equal((await copy.run(["umount", "/data/pvc-1"])).code, 32);
  assert.equal((await copy.run(["mkdir", "-p", "/data/ro-vol/x"])).code, 1);
  await must(copy, ["umount", "/data/ro-vol"]);
});

Deno.test("parseNodeFile keeps the fault knobs; deserializeState ignores them", () => {
  const state = SimulatedHost.create({ vgs: [{ name: "vg0", sizeBytes: 2 ** 30 }] })
    .currentState();
  const faults = {
    delayMs: 250,
    failures: [
      { argvPrefix: ["lvcreate"], code: 5, stderr: "full\n", times: 2 },
      { argvPrefix: ["mount", "-t"], code: 32, stderr: "busy\n", stdout: "x", times: 1 },
    ],
  };
  const text = serializeState(state, faults);
  assert.deepEqual(parseNodeFile(text), { state, faults });
  assert.deepEqual(deserializeState(text), state);
  assert.deepEqual(parseNodeFile(serializeState(state)).faults, { delayMs: 0, failures: [] });
});

/** A valid file's JSON, changed by `edit`. */
// deno-lint-ignore no-explicit-any -- the edits poke at raw JSON of every shape.
function edited(edit: (doc: Record<string, any>) => void): string {
  const host = SimulatedHost.create({ vgs: [{ name: "vg0", sizeBytes: 2 ** 30 }] });
  host.mkdir("/data/a");
  const doc = JSON.parse(serializeState(host.currentState()));
  doc.lvs = [{
    vg: "vg0",
    name: "lv",
    extents: 2,
    tags: [],
    active: true,
    externalOpens: 0,
    fs: null,
  }];
  edit(doc);
  return JSON.stringify(doc);
}

Deno.test("bad or unknown files are refused with a message naming the problem", () => {
  const cases: { name: string; text: string; error: RegExp }[] = [
    { name: "not JSON", text: "{", error: /^node state file is not JSON: / },
    { name: "no format", text: "{}", error: /^not a node state file: no "format" field$/ },
    { name: "an array", text: "[1]", error: /no "format" field/ },
    {
      name: "newer format",
      text: edited((d) => (d.format = 2)),
      error: /^unsupported node state file format 2 \(this build reads format 1\)$/,
    },
    { name: "format as text", text: edited((d) => (d.format = "1")), error: /format "1"/ },
    {
      name: "unknown field",
      text: edited((d) => (d.extra = 1)),
      error: /\$\.extra: unknown field/,
    },
    {
      name: "missing field",
      text: edited((d) => delete d.holds),
      error: /\$\.holds: expected an array, got nothing/,
    },
    {
      name: "LV in no VG",
      text: edited((d) => (d.lvs[0].vg = "vg9")),
      error: /\$\.lvs\[0\]\.vg: no VG vg9/,
    },
    {
      name: "negative extents",
      text: edited((d) => (d.lvs[0].extents = -1)),
      error: /\$\.lvs\[0\]\.extents: expected an integer of at least 0, got -1/,
    },
    {
      name: "duplicate VG",
      text: edited((d) => d.vgs.push(d.vgs[0])),
      error: /\$\.vgs\[1\]\.name: VG vg0 appears twice/,
    },
    {
      name: "mount of an LV without filesystem",
      text: edited((d) =>
        d.mounts.push({
          target: "/data/a",
          lv: "vg0/lv",
          fstype: "ext4",
          options: "rw",
          readOnly: false,
        })
      ),
      error: /\$\.mounts\[0\]\.lv: no LV vg0\/lv with a filesystem/,
    },
    {
      name: "unknown entry kind",
      text: edited((d) => d.root.entries.push({ name: "p", kind: "fifo" })),
      error: /\$\.root\.entries\[\d+\]\.kind: expected "dir", "file" or "symlink", got "fifo"/,
    },
    {
      name: "duplicate name",
      text: edited((d) => d.root.entries.push({ name: "data", kind: "symlink", target: "/x" })),
      error: /\.name: "data" appears twice/,
    },
    {
      name: "slash in a name",
      text: edited((d) =>
        d.root.entries.push({ name: "a/b", kind: "file", mode: 420, content: "" })
      ),
      error: /"a\/b" is not a file name/,
    },
    {
      name: "mode out of range",
      text: edited((d) => (d.root.mode = 0o10000)),
      error: /\$\.root\.mode: mode 4096 is above 0o7777/,
    },
    {
      name: "failure that never fires",
      text: edited((d) =>
        d.faults.failures.push({ argvPrefix: ["x"], code: 1, stderr: "", times: 0 })
      ),
      error: /\$\.faults\.failures\[0\]\.times: expected an integer of at least 1, got 0/,
    },
    {
      name: "misspelt fault field",
      text: edited((d) => (d.faults.delayms = 5)),
      error: /\$\.faults\.delayms: unknown field/,
    },
  ];
  for (const c of cases) {
    assert.throws(() => deserializeState(c.text), (e: unknown) => {
      assert.ok(e instanceof NodeFileError, c.name);
      assert.match(e.message, c.error, c.name);
      return true;
    });
  }
  // The base of the edited cases is itself valid, so each case fails for its own edit.
  assert.equal(deserializeState(edited(() => {})).lvs.size, 1);
});
