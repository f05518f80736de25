/** Helpers for the config tests: a recording logger, waiting, and a ConfigMap-like directory. */

import type { ConfigLogger } from "../../src/config/mod.ts";

/** One logged line. */
export interface LogRecord {
  level: "info" | "warn" | "error";
  message: string;
  properties?: Record<string, unknown>;
}

/** A logger that keeps what it is told. */
export class RecordingLogger implements ConfigLogger {
  readonly records: LogRecord[] = [];
  info(message: string, properties?: Record<string, unknown>): void {
    this.records.push({ level: "info", message, properties });
  }
  warn(message: string, properties?: Record<string, unknown>): void {
    this.records.push({ level: "warn", message, properties });
  }
  error(message: string, properties?: Record<string, unknown>): void {
    this.records.push({ level: "error", message, properties });
  }
  /** The `error` property of every error record. */
  errors(): unknown[] {
    return this.records.filter((r) => r.level === "error").map((r) => r.properties?.error);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await delay(10);
  }
}

/**
 * A directory laid out the way the kubelet projects a ConfigMap: `config.json` is a
 * symlink to `..data/config.json`, `..data` a symlink to a timestamped directory, and an
 * update writes a new timestamped directory and renames a fresh symlink over `..data`.
 */
export class ConfigMapDir {
  #version = 0;
  private constructor(readonly dir: string) {}

  get path(): string {
    return `${this.dir}/config.json`;
  }

  static async create(text: string): Promise<ConfigMapDir> {
    const cm = new ConfigMapDir(await Deno.makeTempDir({ prefix: "local-lvm-cm-" }));
    const version = await cm.#writeVersion(text);
    await Deno.symlink(version, `${cm.dir}/..data`);
    await Deno.symlink("..data/config.json", cm.path);
    return cm;
  }

  /** Publishes new content with the kubelet's atomic symlink swap. */
  async swap(text: string): Promise<void> {
    const old = await Deno.readLink(`${this.dir}/..data`);
    const version = await this.#writeVersion(text);
    await Deno.symlink(version, `${this.dir}/..data_tmp`);
    await Deno.rename(`${this.dir}/..data_tmp`, `${this.dir}/..data`);
    await Deno.remove(`${this.dir}/${old}`, { recursive: true });
  }

  async remove(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }

  async #writeVersion(text: string): Promise<string> {
    const name = `..2025_01_01_00_00_0${++this.#version}.000000001`;
    await Deno.mkdir(`${this.dir}/${name}`);
    await Deno.writeTextFile(`${this.dir}/${name}/config.json`, text);
    return name;
  }
}

/** A valid config text whose only node uses `vg`. */
export function configText(vg: string, node = "n1"): string {
  return JSON.stringify({ nodeVGMap: [{ node, path: "/data", vgs: [vg] }] });
}
