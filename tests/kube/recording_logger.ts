/** A logger for tests that keeps every line. */

import type { KubeLogger } from "../../src/kube/logger.ts";

/** One logged line. */
export interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
  properties?: Record<string, unknown>;
}

/** Keeps what it is told; `print` also echoes to the console (for slow integration tests). */
export class RecordingLogger implements KubeLogger {
  readonly lines: LogLine[] = [];

  constructor(readonly print = false) {}

  #log(level: LogLine["level"], message: string, properties?: Record<string, unknown>) {
    this.lines.push({ level, message, properties });
    if (this.print) console.error(`[${level}] ${message}`, properties ?? "");
  }

  info(message: string, properties?: Record<string, unknown>): void {
    this.#log("info", message, properties);
  }

  warn(message: string, properties?: Record<string, unknown>): void {
    this.#log("warn", message, properties);
  }

  error(message: string, properties?: Record<string, unknown>): void {
    this.#log("error", message, properties);
  }

  /** Lines at `level`. */
  at(level: LogLine["level"]): LogLine[] {
    return this.lines.filter((line) => line.level === level);
  }
}
