import assert from "node:assert/strict";
import { Backoff, backoffDelay } from "../../src/kube/backoff.ts";
import { ItemRateLimiter } from "../../src/kube/rate_limiter.ts";

Deno.test("backoffDelay grows by the factor, adds jitter, and never exceeds the cap", () => {
  const cases: { attempt: number; random: number; expected: number }[] = [
    { attempt: 0, random: 0, expected: 500 },
    { attempt: 0, random: 0.5, expected: 550 },
    { attempt: 1, random: 0, expected: 1_000 },
    { attempt: 5, random: 0, expected: 16_000 },
    { attempt: 5, random: 0.999, expected: 19_197 },
    { attempt: 6, random: 0, expected: 30_000 },
    { attempt: 6, random: 0.999, expected: 30_000 },
    { attempt: 1_000, random: 0.5, expected: 30_000 },
  ];
  for (const { attempt, random, expected } of cases) {
    const delay = backoffDelay(attempt, {
      initialMs: 500,
      maxMs: 30_000,
      jitter: 0.2,
      random: () => random,
    });
    assert.equal(delay, expected, `attempt ${attempt}, random ${random}`);
  }
});

Deno.test("Backoff counts attempts and starts over after reset", () => {
  const backoff = new Backoff({ initialMs: 10, maxMs: 100, jitter: 0 });
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [10, 20, 40]);
  assert.equal(backoff.attempts, 3);
  backoff.reset();
  assert.equal(backoff.next(), 10);
});

Deno.test("ItemRateLimiter keeps one failure count per key", () => {
  const limiter = new ItemRateLimiter({ initialMs: 100, maxMs: 300_000 });
  const a = Array.from({ length: 13 }, () => limiter.when("a"));
  assert.deepEqual(a.slice(0, 4), [100, 200, 400, 800]);
  assert.equal(a[11], 204_800);
  assert.equal(a[12], 300_000);
  assert.equal(limiter.when("b"), 100);
  assert.equal(limiter.retries("a"), 13);
  limiter.forget("a");
  assert.equal(limiter.retries("a"), 0);
  assert.equal(limiter.when("a"), 100);
  assert.equal(limiter.retries("b"), 1);
});
