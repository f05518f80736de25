import assert from "node:assert/strict";
import { formatBytes, parseQuantityBytes } from "../../src/decide/quantity.ts";

// Expected byte counts are what apimachinery v0.34.1 `resource.ParseQuantity(s).Value()`
// printed for these strings (a throw-away Go program, run once).
const VALID: [string, number][] = [
  ["1Gi", 1073741824],
  ["500M", 500000000],
  ["1.5Gi", 1610612736],
  ["1e9", 1000000000],
  ["1.5e3", 1500],
  ["10k", 10000],
  ["0.5Ki", 512],
  ["1.5", 2],
  ["100m", 1],
  ["+1Gi", 1073741824],
  ["1.", 1],
  [".5", 1],
  ["1.G", 1000000000],
  ["1E3", 1000],
  ["1e+3", 1000],
  ["1E+3", 1000],
  ["1e-3", 1],
  ["1n", 1],
  ["1000000000n", 1],
  ["1000000001n", 2],
  ["1u", 1],
  ["0.000000001", 1],
  ["1e-10", 1],
  ["1e-308", 1],
  ["1.1Gi", 1181116007],
  ["0.9Gi", 966367642],
  ["9007199254740991", 9007199254740991],
  ["00012Mi", 12582912],
  ["1.5m", 1],
  ["2.5u", 1],
  ["1.000000001", 2],
  ["1e0", 1],
  ["1Ti", 1099511627776],
  ["1Pi", 1125899906842624],
  ["3.14159Mi", 3294196],
  ["7Pi", 7881299347898368],
];

Deno.test("parseQuantityBytes matches apimachinery Value() on valid quantities", () => {
  for (const [input, bytes] of VALID) {
    assert.deepEqual(parseQuantityBytes(input), { ok: true, bytes }, input);
  }
});

Deno.test("parseQuantityBytes is exact for every suffix (BigInt reference)", () => {
  const multipliers: Record<string, bigint> = {
    "": 1n,
    k: 1000n,
    M: 10n ** 6n,
    G: 10n ** 9n,
    T: 10n ** 12n,
    P: 10n ** 15n,
    Ki: 1n << 10n,
    Mi: 1n << 20n,
    Gi: 1n << 30n,
    Ti: 1n << 40n,
    Pi: 1n << 50n,
  };
  for (const n of [1n, 3n, 7n, 999n, 1023n, 4097n]) {
    for (const [suffix, mult] of Object.entries(multipliers)) {
      const input = `${n}${suffix}`;
      const exact = n * mult;
      const r = parseQuantityBytes(input);
      if (exact <= BigInt(Number.MAX_SAFE_INTEGER)) {
        assert.deepEqual(r, { ok: true, bytes: Number(exact) }, input);
      } else {
        assert.equal(r.ok, false, input);
      }
    }
  }
});

const MALFORMED = [
  "1GB",
  "Gi", // apimachinery reads a suffix without digits as 0; the grammar wants digits
  "1.2.3",
  "",
  " 1Gi",
  "1Gi ",
  "1 Gi",
  "1gi",
  "1K",
  ".",
  "+",
  "-",
  "1e",
  "1e+",
  "1Ki5",
  "1k5",
  "1Mi+",
  "1i",
  "1m5",
  "1e1.5",
  "0x10",
  "1_000",
  "١",
  "1Gi\n",
];

Deno.test("parseQuantityBytes rejects malformed quantities, quoting the input", () => {
  for (const input of MALFORMED) {
    assert.deepEqual(
      parseQuantityBytes(input),
      {
        ok: false,
        error: `invalid storage request ${JSON.stringify(input)}: not a Kubernetes quantity`,
      },
      JSON.stringify(input),
    );
  }
});

Deno.test("parseQuantityBytes rejects zero and negative quantities", () => {
  for (const input of ["0", "0Gi", "-0", "0.0", "0e5", "-1Gi", "-0.0001", "-1", "-1e999999"]) {
    assert.deepEqual(
      parseQuantityBytes(input),
      {
        ok: false,
        error: `storage request must be greater than zero (got ${JSON.stringify(input)})`,
      },
      input,
    );
  }
});

Deno.test("parseQuantityBytes rejects quantities beyond 2^53-1 bytes without hanging", () => {
  for (
    const input of [
      "9007199254740992",
      "8Pi",
      "1E",
      "1Ei",
      "8Ei",
      "1e18",
      "1e308",
      "1e999999999",
      "123456789012345678901234567890",
    ]
  ) {
    const r = parseQuantityBytes(input);
    assert.equal(r.ok, false, input);
    assert.match(
      (r as { error: string }).error,
      new RegExp(
        `^storage request "${input}" is too large: at most .* \\(9007199254740991 bytes\\)`,
      ),
    );
  }
});

Deno.test("parseQuantityBytes names what it parses and copes with non-strings", () => {
  assert.deepEqual(parseQuantityBytes("x", "capacity"), {
    ok: false,
    error: 'invalid capacity "x": not a Kubernetes quantity',
  });
  assert.deepEqual(parseQuantityBytes(5), {
    ok: false,
    error: 'invalid storage request "5": not a Kubernetes quantity',
  });
  assert.deepEqual(parseQuantityBytes(undefined).ok, false);
});

Deno.test("formatBytes picks the largest unit and cuts to two decimals", () => {
  const KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;
  const cases: [number, string][] = [
    [0, "0 B"],
    [1, "1 B"],
    [1023, "1023 B"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [8 * MiB, "8 MiB"],
    [512 * MiB, "512 MiB"],
    [1.5 * GiB, "1.5 GiB"],
    [1.2 * GiB, "1.19 GiB"], // 1.2 GiB is not a whole byte count; floor(1.2 * 2^30) < 1.2 GiB
    [Math.ceil(1.2 * GiB), "1.2 GiB"],
    [2 * GiB - 1, "1.99 GiB"], // never rounds up to a size it does not reach
    [2 * GiB, "2 GiB"],
    [1024 * GiB, "1 TiB"],
    [1024 ** 4 * 1024, "1 PiB"],
    [Number.MAX_SAFE_INTEGER, "7.99 PiB"],
    [2 ** 60, "1 EiB"],
    [-8 * MiB, "-8 MiB"],
    [1.7, "1 B"],
  ];
  for (const [n, text] of cases) assert.equal(formatBytes(n), text, String(n));
});
