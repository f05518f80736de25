/**
 * Kubernetes resource quantities ("1Gi", "500M", "1.5e3") turned into exact byte
 * counts, and byte counts turned into short human text for messages.
 *
 * The grammar is the one apimachinery documents for `resource.Quantity`; the value is
 * what its `Value()` returns: the exact number rounded up to a whole byte. Arithmetic is
 * done on BigInt, never on floats, so "1.1Gi" is exactly 1181116007 bytes.
 *
 * @module
 */

/** A parsed quantity in bytes, or the sentence saying why it is unusable. */
export type BytesResult = { ok: true; bytes: number } | { ok: false; error: string };

// <sign>? <number> <suffix>?, where <number> is "1", "1.5", "1." or ".5", and the suffix is
// binary SI, decimal SI or an e/E exponent. "E" alone is exa; "E3" is an exponent.
const QUANTITY =
  /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|(n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

const BINARY_SHIFT: Record<string, bigint> = {
  Ki: 10n,
  Mi: 20n,
  Gi: 30n,
  Ti: 40n,
  Pi: 50n,
  Ei: 60n,
};

const DECIMAL_EXPONENT: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

// Past this many decimal digits a value is certainly beyond 2^53; stopping there keeps
// "1e999999999" from building a billion-digit BigInt.
const MAX_DIGITS = 40;

type Exact =
  | { kind: "malformed" }
  | { kind: "huge"; negative: boolean }
  | { kind: "value"; value: bigint };

/** The quantity's value rounded up (away from zero, as `Value()` does), or why not. */
function exactValue(input: string): Exact {
  const m = QUANTITY.exec(input);
  if (m === null) return { kind: "malformed" };
  const [, sign, intPart, fracAfterInt, fracOnly, binary, decimal, exponent] = m;
  const fraction = fracAfterInt ?? fracOnly ?? "";
  const digits = ((intPart ?? "") + fraction).replace(/^0+/, "");
  const negative = sign === "-";
  if (digits === "") return { kind: "value", value: 0n };

  const shift = binary === undefined ? 0n : BINARY_SHIFT[binary];
  const exp10 = exponent !== undefined
    ? Number(exponent)
    : decimal !== undefined
    ? DECIMAL_EXPONENT[decimal]
    : 0;
  // value = digits * 2^shift * 10^scale
  const scale = exp10 - fraction.length;
  // 2^10 < 10^3.1, so 2^shift has at most shift*0.302+1 digits.
  const shiftDigits = Number(shift) * 0.302 + 1;

  let magnitude: bigint;
  if (scale >= 0) {
    if (digits.length + scale + shiftDigits > MAX_DIGITS) return { kind: "huge", negative };
    magnitude = (BigInt(digits) << shift) * 10n ** BigInt(scale);
  } else if (-scale > digits.length + shiftDigits + 1) {
    // A non-zero value below one: it rounds up to one.
    magnitude = 1n;
  } else {
    const numerator = BigInt(digits) << shift;
    const denominator = 10n ** BigInt(-scale);
    magnitude = (numerator + denominator - 1n) / denominator;
  }
  return { kind: "value", value: negative ? -magnitude : magnitude };
}

/**
 * Parses a storage quantity into a positive whole number of bytes. Fractions of a byte
 * round up, as Kubernetes does ("100m" is 1 byte). Malformed, zero, negative and
 * unsafely large (> 2^53-1) quantities give an error that quotes the input.
 *
 * @param input The quantity as found in the object (not trimmed: " 1Gi" is invalid).
 * @param what What the quantity is, for the message ("storage request", "capacity").
 *
 * @example
 * ```ts
 * import { parseQuantityBytes } from "./quantity.ts";
 * const r = parseQuantityBytes("1.5Gi");
 * if (!r.ok || r.bytes !== 1610612736) throw new Error("1.5Gi");
 * const bad = parseQuantityBytes("1GB");
 * if (bad.ok || bad.error !== 'invalid storage request "1GB": not a Kubernetes quantity') {
 *   throw new Error("1GB");
 * }
 * ```
 */
export function parseQuantityBytes(input: unknown, what = "storage request"): BytesResult {
  const shown = typeof input === "string" ? input : String(input);
  const exact = typeof input === "string" ? exactValue(input) : { kind: "malformed" as const };
  const tooLarge = `${what} ${JSON.stringify(shown)} is too large: at most ${
    formatBytes(Number.MAX_SAFE_INTEGER)
  } (${Number.MAX_SAFE_INTEGER} bytes) is supported`;
  const notPositive = `${what} must be greater than zero (got ${JSON.stringify(shown)})`;
  switch (exact.kind) {
    case "malformed":
      return {
        ok: false,
        error: `invalid ${what} ${JSON.stringify(shown)}: not a Kubernetes quantity`,
      };
    case "huge":
      return { ok: false, error: exact.negative ? notPositive : tooLarge };
    case "value":
      if (exact.value <= 0n) return { ok: false, error: notPositive };
      if (exact.value > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, error: tooLarge };
      return { ok: true, bytes: Number(exact.value) };
  }
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * Formats a byte count for people: the largest binary unit it reaches, with at most two
 * decimals. Decimals are cut, not rounded, so a size just below 2 GiB never reads "2 GiB".
 *
 * @example
 * ```ts
 * import { formatBytes } from "./quantity.ts";
 * if (formatBytes(8388608) !== "8 MiB") throw new Error("8 MiB");
 * if (formatBytes(1610612736) !== "1.5 GiB") throw new Error("1.5 GiB");
 * if (formatBytes(512) !== "512 B") throw new Error("512 B");
 * ```
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  if (n < 0) return `-${formatBytes(-n)}`;
  const bytes = BigInt(Math.floor(n));
  let unit = 0;
  while (unit < UNITS.length - 1 && bytes >= 1n << BigInt(10 * (unit + 1))) unit++;
  const hundredths = (bytes * 100n) >> BigInt(10 * unit);
  return `${Number(hundredths) / 100} ${UNITS[unit]}`;
}

const BINARY_SUFFIXES = ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"] as const;

/**
 * An exact Kubernetes quantity for a byte count, with the largest binary suffix that
 * divides it (`8Mi`, `2Gi`), so `kubectl get pv` reads like the claim. Never rounds.
 *
 * @example
 * ```ts
 * import { exactQuantity } from "./quantity.ts";
 * if (exactQuantity(8388608) !== "8Mi") throw new Error();
 * if (exactQuantity(1536) !== "1536") throw new Error("1.5 KiB has no exact binary form");
 * ```
 */
export function exactQuantity(bytes: number): string {
  const n = BigInt(bytes);
  for (const [i, suffix] of BINARY_SUFFIXES.entries()) {
    const unit = 1n << BigInt(10 * (BINARY_SUFFIXES.length - i));
    if (n >= unit && n % unit === 0n) return `${n / unit}${suffix}`;
  }
  return n.toString();
}
