/**
 * Summaries of measured figures: percentiles of a distribution, min/median/max over runs.
 *
 * @module
 */

/** A distribution of latencies (milliseconds). */
export interface Distribution {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The `q`-quantile (0..1) by the nearest-rank method: a value that was actually measured. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/**
 * Percentiles of `values`.
 *
 * @example
 * ```ts
 * import { distribution } from "./stats.ts";
 * const d = distribution([5, 1, 3, 2, 4]);
 * if (d.p50 !== 3 || d.min !== 1 || d.max !== 5) throw new Error(JSON.stringify(d));
 * ```
 */
export function distribution(values: readonly number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0] ?? NaN,
    p50: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] ?? NaN,
    mean: s.length ? s.reduce((a, x) => a + x, 0) / s.length : NaN,
  };
}

/** A figure measured in several runs. */
export interface Spread {
  runs: number[];
  min: number;
  median: number;
  max: number;
}

/** Min, median (mean of the middle two for an even count) and max of the runs. */
export function spread(runs: readonly number[]): Spread {
  const s = [...runs].sort((a, b) => a - b);
  const mid = s.length / 2;
  const median = s.length === 0
    ? NaN
    : s.length % 2
    ? s[Math.floor(mid)]
    : (s[mid - 1] + s[mid]) / 2;
  return { runs: [...runs], min: s[0] ?? NaN, median, max: s[s.length - 1] ?? NaN };
}
