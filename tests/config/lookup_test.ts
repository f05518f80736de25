import assert from "node:assert/strict";
import { DEFAULT_NODE_KEY, entryForNode, parseConfig } from "../../src/config/mod.ts";
import type { Config } from "../../src/config/mod.ts";

function config(text: string): Config {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

const withDefault = config(`{"nodeVGMap": [
  {"node": "${DEFAULT_NODE_KEY}", "path": "/data", "vgs": ["vg1"]},
  {"node": "a", "path": "/volumes", "vgs": ["vg0", "vg1"], "fsType": "xfs"},
  {"node": "off", "path": "/volumes", "vgs": []}
]}`);
const withoutDefault = config(`{"nodeVGMap": [
  {"node": "a", "path": "/volumes", "vgs": ["vg0"]}
]}`);
const emptyDefault = config(`{"nodeVGMap": [
  {"node": "${DEFAULT_NODE_KEY}", "path": "/data", "vgs": []},
  {"node": "a", "path": "/volumes", "vgs": ["vg0"]}
]}`);

Deno.test("entryForNode", () => {
  const table: {
    name: string;
    config: Config;
    node: string;
    want: { node: string; path: string; vgs: string[]; viaDefault: boolean } | string;
  }[] = [
    {
      name: "listed node",
      config: withDefault,
      node: "a",
      want: { node: "a", path: "/volumes", vgs: ["vg0", "vg1"], viaDefault: false },
    },
    {
      name: "unlisted node uses the default entry",
      config: withDefault,
      node: "b",
      want: { node: DEFAULT_NODE_KEY, path: "/data", vgs: ["vg1"], viaDefault: true },
    },
    {
      name: "listed with vgs [] is disabled, the default does not apply",
      config: withDefault,
      node: "off",
      want: "no local volume group available on node off",
    },
    {
      name: "unlisted without a default entry",
      config: withoutDefault,
      node: "b",
      want: `config doesn't contain node b, and no ${DEFAULT_NODE_KEY} available`,
    },
    {
      name: "listed without a default entry",
      config: withoutDefault,
      node: "a",
      want: { node: "a", path: "/volumes", vgs: ["vg0"], viaDefault: false },
    },
    {
      name: "unlisted with an empty default entry",
      config: emptyDefault,
      node: "b",
      want: "no local volume group available on node b",
    },
    {
      name: "names are case-sensitive",
      config: withoutDefault,
      node: "A",
      want: `config doesn't contain node A, and no ${DEFAULT_NODE_KEY} available`,
    },
  ];
  for (const row of table) {
    const got = entryForNode(row.config, row.node);
    if (typeof row.want === "string") {
      assert.deepEqual(got, { ok: false, reason: row.want }, row.name);
    } else {
      assert.ok(got.ok, row.name);
      const { node, path, vgs } = got.entry;
      assert.deepEqual({ node, path, vgs, viaDefault: got.viaDefault }, row.want, row.name);
    }
  }
});

Deno.test("entries carry resolved per-node settings", () => {
  const a = entryForNode(withDefault, "a");
  const b = entryForNode(withDefault, "b");
  assert.ok(a.ok && b.ok);
  assert.equal(a.entry.fsType, "xfs");
  assert.equal(b.entry.fsType, "ext4");
  assert.deepEqual(a.entry.mountOptions, []);
});
