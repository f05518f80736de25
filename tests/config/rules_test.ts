import assert from "node:assert/strict";
import {
  dnsSubdomainProblems,
  fitsInLvmTag,
  formatJsonPath,
  jsonTypeOf,
  lineColumn,
  mountOptionProblems,
  normaliseMountPath,
  vgNameProblems,
} from "../../src/config/mod.ts";

Deno.test("normaliseMountPath", () => {
  const table: [string, string][] = [
    ["/", "/"],
    ["//", "/"],
    ["/./", "/"],
    ["/data/..", "/"],
    ["/data/../..", "/"],
    ["/data", "/data"],
    ["/data/", "/data"],
    ["/data///", "/data"],
    ["//srv//lvm/./x/../y/", "/srv/lvm/y"],
  ];
  for (const [input, want] of table) assert.equal(normaliseMountPath(input), want, input);
});

Deno.test("vgNameProblems: one phrase per rule broken", () => {
  const table: [string, number][] = [
    ["vg0", 0],
    ["A-Z_a.z+09", 0],
    ["v".repeat(127), 0],
    ["v".repeat(128), 1],
    ["", 1],
    [".", 1],
    ["..", 1],
    ["...", 0],
    ["-vg", 1],
    ["vg-", 0],
    ["vg 0", 1],
    ["vg/0", 1],
    ["vgé", 1],
    ["-a b", 2],
    ["-" + "x y".repeat(50), 3],
  ];
  for (const [name, count] of table) {
    assert.equal(vgNameProblems(name).length, count, JSON.stringify(name));
  }
});

Deno.test("dnsSubdomainProblems", () => {
  const table: [string, string[]][] = [
    ["local-lvm.io", []],
    ["a", []],
    ["1.2-3.x", []],
    ["", ["must not be empty"]],
    ["Local.io", ["only lowercase letters, digits, '-' and '.' are allowed"]],
    ["mein.io/local-lvm", ["only lowercase letters, digits, '-' and '.' are allowed"]],
    ["a..b", ["labels between dots must not be empty"]],
    [".a", ["labels between dots must not be empty"]],
    ["a-.b", ["labels must not start or end with '-'"]],
    ["-a", ["labels must not start or end with '-'"]],
    ["a".repeat(63), []],
    ["a".repeat(64), ["labels between dots must be at most 63 characters long"]],
    [`${"a".repeat(63)}.`.repeat(4).slice(0, 253), []],
  ];
  for (const [name, want] of table) assert.deepEqual(dnsSubdomainProblems(name), want, name);
  const long = `${"a".repeat(63)}.`.repeat(4) + "b";
  assert.deepEqual(dnsSubdomainProblems(long), ["must be at most 253 characters long"]);
});

Deno.test("mountOptionProblems", () => {
  const table: [string, number][] = [
    ["noatime", 0],
    ["data=ordered", 0],
    ["", 1],
    ["a,b", 1],
    ["a b", 1],
    ["a\nb", 1],
    [" a,b", 2],
  ];
  for (const [option, count] of table) {
    assert.equal(mountOptionProblems(option).length, count, JSON.stringify(option));
  }
});

Deno.test("fitsInLvmTag", () => {
  assert.ok(fitsInLvmTag("/var/lib/local-lvm_1+x=y:z!&#"));
  for (const bad of ["/a b", "/a\tb", "/été", "/a*b", "/a@b", "/a,b"]) {
    assert.equal(fitsInLvmTag(bad), false, bad);
  }
});

Deno.test("lineColumn counts lines like an editor", () => {
  const table: [string, number, string][] = [
    ["abc", 0, "1:1"],
    ["abc", 3, "1:4"],
    ["a\nb", 2, "2:1"],
    ["a\r\nb", 3, "2:1"],
    ["a\r\nb", 2, "1:3"], // between \r and \n: still on line 1
    ["a\rb", 2, "2:1"],
    ["\n\n\nxy", 4, "4:2"],
  ];
  for (const [text, offset, want] of table) {
    assert.equal(lineColumn(text, offset), want, JSON.stringify([text, offset]));
  }
});

Deno.test("formatJsonPath and jsonTypeOf", () => {
  assert.equal(formatJsonPath([]), "$");
  assert.equal(formatJsonPath(["nodeVGMap", 0, "vgs", 2]), "$.nodeVGMap[0].vgs[2]");
  assert.equal(formatJsonPath(["a b", "x-y", "_ok"]), '$["a b"]["x-y"]._ok');
  const types: [unknown, string][] = [
    [null, "null"],
    [[], "array"],
    [{}, "object"],
    ["", "string"],
    [1, "number"],
    [true, "boolean"],
    [undefined, "nothing"],
  ];
  for (const [value, want] of types) assert.equal(jsonTypeOf(value), want);
});
