/**
 * The config corpus: every `corpus/NN-name.jsonc.txt` is invalid and its sibling
 * `NN-name.expected.txt` lists the exact messages (`error: ...` / `warning: ...` lines, in
 * order); every `good/NN-name.jsonc.txt` is valid and `NN-name.expected.json` holds the
 * resolved config and the warnings.
 *
 * The inputs are JSONC but end in `.txt` on purpose: `deno fmt` formats `.jsonc` files, which
 * would strip the trailing commas and reflow the layouts under test, and it fails on the
 * deliberately broken ones.
 */

import assert from "node:assert/strict";
import { configToJson, parseConfig } from "../../src/config/mod.ts";

const BAD_DIR = new URL("./corpus/", import.meta.url);
const GOOD_DIR = new URL("./good/", import.meta.url);
const MIN_BAD_CASES = 25;
const INPUT_SUFFIX = ".jsonc.txt";

function caseNames(dir: URL, expectedSuffix: string): string[] {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name);
  const inputs = files.filter((f) => f.endsWith(INPUT_SUFFIX)).map((f) =>
    f.slice(0, -INPUT_SUFFIX.length)
  );
  const expected = files.filter((f) => f.endsWith(expectedSuffix))
    .map((f) => f.slice(0, -expectedSuffix.length));
  // An input without expectations (or the reverse) would silently test nothing.
  assert.deepEqual(inputs.toSorted(), expected.toSorted(), `unpaired files in ${dir.pathname}`);
  return inputs.toSorted();
}

function readExpectedLines(name: string): { errors: string[]; warnings: string[] } {
  const lines = Deno.readTextFileSync(new URL(`${name}.expected.txt`, BAD_DIR))
    .split("\n").filter((l) => l !== "");
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const line of lines) {
    if (line.startsWith("error: ")) errors.push(line.slice("error: ".length));
    else if (line.startsWith("warning: ")) warnings.push(line.slice("warning: ".length));
    else throw new Error(`${name}.expected.txt: line must start with "error: " or "warning: "`);
  }
  return { errors, warnings };
}

const badCases = caseNames(BAD_DIR, ".expected.txt");
const goodCases = caseNames(GOOD_DIR, ".expected.json");

Deno.test(`corpus holds at least ${MIN_BAD_CASES} invalid configs`, () => {
  assert.ok(badCases.length >= MIN_BAD_CASES, `only ${badCases.length} cases`);
  assert.ok(goodCases.length >= 3, `only ${goodCases.length} good cases`);
});

for (const name of badCases) {
  Deno.test(`invalid config ${name}`, () => {
    const text = Deno.readTextFileSync(new URL(`${name}${INPUT_SUFFIX}`, BAD_DIR));
    const expected = readExpectedLines(name);
    assert.ok(expected.errors.length > 0, "an invalid case must expect at least one error");
    const result = parseConfig(text);
    assert.equal(result.ok, false, "config was accepted");
    if (result.ok) return;
    assert.deepEqual(result.errors, expected.errors);
    assert.deepEqual(result.warnings, expected.warnings);
  });
}

for (const name of goodCases) {
  Deno.test(`valid config ${name}`, () => {
    const text = Deno.readTextFileSync(new URL(`${name}${INPUT_SUFFIX}`, GOOD_DIR));
    const expected = JSON.parse(Deno.readTextFileSync(new URL(`${name}.expected.json`, GOOD_DIR)));
    const result = parseConfig(text);
    assert.ok(result.ok, `rejected: ${result.ok ? "" : result.errors.join("; ")}`);
    assert.deepEqual(configToJson(result.config), expected.config);
    assert.deepEqual(result.warnings, expected.warnings);

    // The resolved form is itself a valid config that resolves to the same thing.
    const again = parseConfig(JSON.stringify(configToJson(result.config)));
    assert.ok(again.ok);
    assert.deepEqual(configToJson(again.config), expected.config);
  });
}
