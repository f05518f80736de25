/**
 * The executor the settings ask for, always behind the binary allowlist.
 *
 * @module
 */

import { AllowlistExecutor } from "../host/allowlist.ts";
import type { Executor } from "../host/executor.ts";
import { LocalExecutor } from "../host/local_executor.ts";
import { RemoteExecutor } from "../host/remote_executor.ts";
import { FileBackedHost } from "../host/sim/mod.ts";
import type { HostSetting } from "./settings.ts";

/** `nsenter` into PID 1's namespaces: what TopoLVM's containerised lvmd does. */
export const NSENTER_PREFIX = ["nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--"];

/** Default time limit of one node command. */
export const COMMAND_TIMEOUT_MS = 120_000;

/** Builds the node executor. */
export function executorFor(host: HostSetting): Executor {
  switch (host.kind) {
    case "nsenter":
      return new AllowlistExecutor(
        new LocalExecutor({ prefix: NSENTER_PREFIX, defaultTimeoutMs: COMMAND_TIMEOUT_MS }),
      );
    case "local":
      return new AllowlistExecutor(new LocalExecutor({ defaultTimeoutMs: COMMAND_TIMEOUT_MS }));
    case "sim":
      return new AllowlistExecutor(new FileBackedHost(host.path));
    case "remote":
      return new AllowlistExecutor(new RemoteExecutor({ hostname: host.host, port: host.port }));
  }
}
