import assert from "node:assert/strict";
import { MIN_VOLUME_BYTES, roundToExtents } from "../../src/decide/size.ts";

const MiB = 1024 * 1024;

Deno.test("roundToExtents applies the 4 MiB minimum, then rounds up to whole extents", () => {
  const cases: [request: number, extent: number, expected: number][] = [
    [1, 4 * MiB, 4 * MiB],
    [4 * MiB - 1, 4 * MiB, 4 * MiB],
    [4 * MiB, 4 * MiB, 4 * MiB],
    [4 * MiB + 1, 4 * MiB, 8 * MiB],
    [5 * MiB, 4 * MiB, 8 * MiB],
    [8 * MiB, 4 * MiB, 8 * MiB],
    [1, 32 * MiB, 32 * MiB],
    [33 * MiB, 32 * MiB, 64 * MiB],
    [1, 1 * MiB, 4 * MiB],
    [5 * MiB + 1, 1 * MiB, 6 * MiB],
    [1, 3 * MiB, 6 * MiB], // odd extent: the minimum is applied before rounding
    [1000000000, 4 * MiB, 1002438656], // "1G" in 4 MiB extents: 239 extents
    [1024 ** 4, 4 * MiB, 1024 ** 4],
    [1, 1024, 4 * MiB],
  ];
  for (const [request, extent, expected] of cases) {
    assert.equal(roundToExtents(request, extent), expected, `${request} in ${extent}`);
    assert.equal(expected % extent, 0);
  }
  assert.equal(MIN_VOLUME_BYTES, 4194304);
});

Deno.test("roundToExtents refuses arguments no validated request can produce", () => {
  const bad: [number, number][] = [
    [0, 4 * MiB],
    [-1, 4 * MiB],
    [1.5, 4 * MiB],
    [NaN, 4 * MiB],
    [2 ** 53, 4 * MiB],
    [1, 0],
    [1, -4],
    [1, 0.5],
    [Number.MAX_SAFE_INTEGER, 4 * MiB], // rounds past 2^53-1
  ];
  for (const [request, extent] of bad) {
    assert.throws(() => roundToExtents(request, extent), RangeError, `${request} in ${extent}`);
  }
});
