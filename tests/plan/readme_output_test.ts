/**
 * The README's first command prints what the README shows: its "Try it" block is the real
 * output of `deno task plan examples/pvc.yaml --node worker-1`, kept so by this test.
 */
import assert from "node:assert/strict";
import { plan } from "./plan_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("the README's Try it output is what deno task plan prints for the example claim", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const tryIt = readme.slice(readme.indexOf("## Try it"), readme.indexOf("## Run the tests"));
  assert.match(tryIt, /npx --yes deno@[\d.]+ task plan examples\/pvc\.yaml --node worker-1/);
  const shown = tryIt.match(/\n```\n(Claim:[^]*?)```\n/)?.[1];
  assert.ok(shown, "the README's Try it section shows the plan's output");
  const out = await plan("examples/pvc.yaml", "--node", "worker-1");
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, shown);
});
