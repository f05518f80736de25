/**
 * Structured logs: one JSON line per event, with claim, PV and node as properties.
 *
 * @module
 */

import { configure, getConsoleSink, getJsonLinesFormatter, getLogger } from "@logtape/logtape";
import type { AgentLogger } from "./context.ts";

/** Sets up LogTape once for the process and returns the agent's root logger. */
export async function setUpLogging(
  level: "debug" | "info" | "warning" | "error",
  node: string,
): Promise<AgentLogger> {
  await configure({
    sinks: {
      console: getConsoleSink({ formatter: getJsonLinesFormatter({ properties: "flatten" }) }),
    },
    loggers: [
      { category: ["local-lvm"], lowestLevel: level, sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
  return getLogger(["local-lvm"]).with({ node });
}

/** A child logger for one part of the agent. */
export function loggerFor(part: string): AgentLogger {
  return getLogger(["local-lvm", part]);
}
