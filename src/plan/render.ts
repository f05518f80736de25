/**
 * Turns a dry run into the text `plan` prints.
 *
 * @module
 */

import { stringify } from "yaml";
import { formatBytes } from "../decide/quantity.ts";
import type { VolumeSpec } from "../volume.ts";
import type { DryRun } from "./dry_run.ts";
import type { RecordedStep } from "./recording.ts";

/** Why the plan looks the way it does. */
export interface PlanHeader {
  node: string;
  nodeReason: string;
  configReason: string;
  vgReason: string;
  /** Where a clone's data comes from, when the claim is one. */
  clone?: string;
  hostState: string;
}

/** Quotes an argv element only when a shell reader would need it; the argv is never run by a shell. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Numbered steps with their commands, as every plan prints them. */
export function renderSteps(steps: readonly RecordedStep[]): string[] {
  const lines: string[] = [];
  steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.step} (${s.action}): ${s.description}`);
    if (s.commands.length === 0) lines.push("       (no command)");
    for (const c of s.commands) {
      const mark = c.api ? "api  " : c.readOnly ? "check" : "run  ";
      const input = c.stdin !== undefined ? `  <<< ${c.stdin.split("\n").length - 1} lines` : "";
      const failed = c.code !== 0 ? `  [exit ${c.code}]` : "";
      lines.push(`       ${mark} ${c.argv.map(shellWord).join(" ")}${input}${failed}`);
    }
  });
  return lines;
}

/** The text form of a provisioning plan. */
export function renderProvisionPlan(spec: VolumeSpec, header: PlanHeader, run: DryRun): string {
  const lines = [
    `Claim:      ${spec.claim.namespace}/${spec.claim.name} (uid ${spec.claim.uid})`,
    `Node:       ${header.node}: ${header.nodeReason}`,
    `Config:     ${header.configReason}`,
    `VG:         ${spec.vg}: ${header.vgReason}`,
    `Size:       requested ${spec.requestBytes} bytes (${formatBytes(spec.requestBytes)}), ` +
    `LV ${spec.sizeBytes} bytes (${formatBytes(spec.sizeBytes)})`,
    `Filesystem: ${spec.fsType}, mounted at ${spec.mountPoint}` +
    (spec.mountOptions.length ? ` with -o ${spec.mountOptions.join(",")}` : ""),
    ...(header.clone ? [`Clone:      ${header.clone}`] : []),
    `Host state: ${header.hostState}`,
    "",
    'Provisioning (each step\'s commands: "run" changes the node, "check" only reads,',
    '"api" is a request to the API server):',
    ...renderSteps(run.provision),
  ];
  if (run.provisionOutcome !== "completed") {
    lines.push(
      "",
      `Provisioning would fail and roll back: ${run.provisionError ?? run.provisionOutcome}`,
    );
    return lines.join("\n") + "\n";
  }
  lines.push(
    "",
    "Teardown when the claim is deleted (reclaim policy " +
      `${spec.reclaimPolicy}${spec.reclaimPolicy === "Retain" ? ": would NOT run" : ""}):`,
    ...renderSteps(run.teardown),
    "",
    "PersistentVolume:",
    stringify(run.pv).trimEnd().split("\n").map((l) => `  ${l}`).join("\n"),
  );
  return lines.join("\n") + "\n";
}

/** The text form of a teardown plan. */
export function renderTeardownPlan(
  spec: VolumeSpec,
  hostState: string,
  steps: readonly RecordedStep[],
  error?: string,
): string {
  const lines = [
    `Volume:     ${spec.vg}/${spec.pvName} on node ${spec.node}` +
    (spec.legacy ? " (made by the original local-lvm-provisioner)" : ""),
    `Mounted at: ${spec.mountPoint}`,
    `Host state: ${hostState}`,
    "",
    "Teardown:",
    ...renderSteps(steps),
  ];
  if (error) lines.push("", `Teardown would stop: ${error}`);
  return lines.join("\n") + "\n";
}
