/**
 * The logging `src/kube` needs. A `@logtape/logtape` Logger satisfies it: messages are fixed
 * templates with `{placeholders}`, and the variable parts go in `properties`.
 *
 * @module
 */

/** Structured logger injected into every long-running piece of `src/kube`. */
export interface KubeLogger {
  info(message: string, properties?: Record<string, unknown>): void;
  warn(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
}

/** A logger that drops everything (for callers that really do not care). */
export const silentLogger: KubeLogger = {
  info() {},
  warn() {},
  error() {},
};
