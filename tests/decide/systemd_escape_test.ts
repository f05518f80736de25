import assert from "node:assert/strict";
import { mountUnitName, systemdEscapePath } from "../../src/decide/systemd_escape.ts";

// Expected values are what `systemd-escape --path` (systemd 252, Debian 12) printed.
const TABLE: [path: string, escaped: string][] = [
  ["/", "-"],
  ["//", "-"],
  ["///", "-"],
  ["/.", "-"],
  ["/data", "data"],
  ["/data/", "data"],
  ["/data//x/", "data-x"],
  [
    "/data/pvc-6b0f8b1e-3c2a-4d7e-9f10-2b3c4d5e6f70",
    "data-pvc\\x2d6b0f8b1e\\x2d3c2a\\x2d4d7e\\x2d9f10\\x2d2b3c4d5e6f70",
  ],
  ["/var/lib/local lvm/x", "var-lib-local\\x20lvm-x"],
  ["/a-b/c_d.e", "a\\x2db-c_d.e"],
  ["/.hidden", "\\x2ehidden"],
  ["/a/.b", "a-.b"],
  ["/a/./b", "a-b"],
  ["/./a", "a"],
  ["/données/été", "donn\\xc3\\xa9es-\\xc3\\xa9t\\xc3\\xa9"],
  ["/日本/データ", "\\xe6\\x97\\xa5\\xe6\\x9c\\xac-\\xe3\\x83\\x87\\xe3\\x83\\xbc\\xe3\\x82\\xbf"],
  ["/emoji/😀", "emoji-\\xf0\\x9f\\x98\\x80"],
  ["/ä", "\\xc3\\xa4"],
  ["/a/ä/.x", "a-\\xc3\\xa4-.x"],
  ["/a\\b", "a\\x5cb"],
  ["/x:y", "x:y"],
  ["/-", "\\x2d"],
  ["/--", "\\x2d\\x2d"],
  ["/~tilde", "\\x7etilde"],
  ["/a/b.", "a-b."],
  ["/a..b", "a..b"],
  ["/..a", "\\x2e.a"],
  ["/tab\tx", "tab\\x09x"],
  ["/new\nline", "new\\x0aline"],
  ["/a+b=c,d@e%f", "a\\x2bb\\x3dc\\x2cd\\x40e\\x25f"],
  ["/quote'\"", "quote\\x27\\x22"],
  ["/UPPER/lower/123", "UPPER-lower-123"],
  ["/mnt/local-lvm/pvc-1/data", "mnt-local\\x2dlvm-pvc\\x2d1-data"],
  ["/a/b/c/d/e/f", "a-b-c-d-e-f"],
  ["/$HOME", "\\x24HOME"],
];

Deno.test("systemdEscapePath matches systemd-escape --path", () => {
  for (const [path, escaped] of TABLE) {
    assert.equal(systemdEscapePath(path), escaped, JSON.stringify(path));
  }
});

Deno.test("systemdEscapePath keeps exactly [A-Za-z0-9:_.] of every ASCII byte", () => {
  for (let code = 1; code < 128; code++) {
    const ch = String.fromCharCode(code);
    if (ch === "/") continue;
    const plain = /[A-Za-z0-9:_.]/.test(ch);
    const expected = "a" + (plain ? ch : "\\x" + code.toString(16).padStart(2, "0"));
    assert.equal(systemdEscapePath(`/a${ch}`), expected, `byte ${code}`);
  }
});

Deno.test("systemdEscapePath refuses paths systemd cannot escape reversibly", () => {
  const bad: [string, RegExp][] = [
    ["", /empty path/],
    ["foo/bar", /not an absolute path/],
    ["./a", /not an absolute path/],
    ["/a/../b", /not a normalized path/],
    ["/a/..", /not a normalized path/],
    ["/..", /not a normalized path/],
    ["/a\0b", /NUL byte/],
  ];
  for (const [path, message] of bad) {
    assert.throws(() => systemdEscapePath(path), message, JSON.stringify(path));
  }
});

Deno.test("mountUnitName appends .mount", () => {
  assert.equal(mountUnitName("/data/pvc-1"), "data-pvc\\x2d1.mount");
  assert.equal(mountUnitName("/"), "-.mount");
});

// With --allow-run=systemd-escape, compare with the real thing on this machine too.
const canRun = Deno.permissions.querySync({ name: "run", command: "systemd-escape" }).state ===
  "granted";

Deno.test({
  name: "systemdEscapePath agrees with the local systemd-escape binary",
  ignore: !canRun,
  fn() {
    const paths = [
      ...TABLE.map(([p]) => p),
      ...Array.from({ length: 126 }, (_, i) => `/x${String.fromCharCode(i + 1)}y/.z`)
        .filter((p) => !p.includes("/./") && !p.includes("/../")),
    ];
    let out;
    try {
      out = new Deno.Command("systemd-escape", { args: ["--path", "--", ...paths] }).outputSync();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return; // no systemd here: the table still holds
      throw e;
    }
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const expected = new TextDecoder().decode(out.stdout).trimEnd().split(" ");
    assert.deepEqual(paths.map(systemdEscapePath), expected);
  },
});
