/**
 * The size of a logical volume for a request: LVM allocates whole extents, and the
 * original project never made a volume smaller than 4 MiB.
 *
 * @module
 */

/** The smallest volume we make, whatever the request: 4 MiB, as the original did. */
export const MIN_VOLUME_BYTES = 4 * 1024 * 1024;

/**
 * Rounds a request up to whole extents, after raising it to {@link MIN_VOLUME_BYTES}.
 * The result is the exact LV size `lvcreate --size <n>b` will make.
 *
 * @param requestBytes What the claim asked for; a positive safe integer.
 * @param extentBytes The VG's extent size; a positive safe integer.
 * @throws {RangeError} when an argument is not a positive safe integer or the result is
 *   beyond `Number.MAX_SAFE_INTEGER`: both are caller bugs, since requests are validated.
 *
 * @example
 * ```ts
 * import { roundToExtents } from "./size.ts";
 * const MiB = 1024 * 1024;
 * if (roundToExtents(1, 4 * MiB) !== 4 * MiB) throw new Error("minimum");
 * if (roundToExtents(5 * MiB, 4 * MiB) !== 8 * MiB) throw new Error("round up");
 * if (roundToExtents(1, 32 * MiB) !== 32 * MiB) throw new Error("big extent");
 * ```
 */
export function roundToExtents(requestBytes: number, extentBytes: number): number {
  requirePositiveInteger("requestBytes", requestBytes);
  requirePositiveInteger("extentBytes", extentBytes);
  const wanted = BigInt(Math.max(requestBytes, MIN_VOLUME_BYTES));
  const extent = BigInt(extentBytes);
  const rounded = (wanted + extent - 1n) / extent * extent;
  if (rounded > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(
      `${requestBytes} bytes rounded to ${extentBytes}-byte extents is too large`,
    );
  }
  return Number(rounded);
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number of bytes (got ${value})`);
  }
}
