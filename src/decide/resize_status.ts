/**
 * The claim `status` patches of an expansion, as external-resizer and the kubelet write them
 * for a CSI volume (we do both their jobs): `Resizing` while it runs, `ControllerResizeError`
 * when it failed, and on success the new capacity with every resize condition and the
 * storage entry of `allocatedResourceStatuses` gone. `FileSystemResizePending` is never set:
 * no kubelet would clear it for a hostPath volume.
 *
 * @module
 */

/** A claim condition as the API has it. */
export interface ClaimCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

/** The claim status fields an expansion reads. */
export interface ClaimResizeStatus {
  capacity?: Record<string, string>;
  conditions?: ClaimCondition[] | null;
  allocatedResources?: Record<string, string> | null;
  allocatedResourceStatuses?: Record<string, string> | null;
}

/** `allocatedResourceStatuses.storage` values (the API server accepts no others). */
export const CONTROLLER_RESIZE_IN_PROGRESS = "ControllerResizeInProgress";
export const CONTROLLER_RESIZE_INFEASIBLE = "ControllerResizeInfeasible";

/** Condition types an expansion owns; each new patch replaces all of them. */
export const RESIZE_CONDITIONS = [
  "Resizing",
  "FileSystemResizePending",
  "ControllerResizeError",
  "NodeResizeError",
] as const;

function otherConditions(status: ClaimResizeStatus | undefined): ClaimCondition[] {
  return (status?.conditions ?? []).filter(
    (c) => !(RESIZE_CONDITIONS as readonly string[]).includes(c.type),
  );
}

/**
 * The patch that says "resizing to `request`": condition `Resizing`, the request recorded in
 * `allocatedResources` and `ControllerResizeInProgress`.
 *
 * @example
 * ```ts
 * import { resizingPatch } from "./resize_status.ts";
 * const patch = resizingPatch(undefined, "2Gi", new Date(0));
 * if (patch.conditions[0].type !== "Resizing") throw new Error();
 * if (patch.allocatedResourceStatuses.storage !== "ControllerResizeInProgress") throw new Error();
 * ```
 */
export function resizingPatch(status: ClaimResizeStatus | undefined, request: string, now: Date) {
  return {
    conditions: [...otherConditions(status), {
      type: "Resizing",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, "Z"),
    }],
    allocatedResources: { storage: request },
    allocatedResourceStatuses: { storage: CONTROLLER_RESIZE_IN_PROGRESS },
  };
}

/**
 * The patch that says "done": the new capacity, no resize conditions, and the storage
 * entry of `allocatedResourceStatuses` removed (what the kubelet's MarkFSResizeFinished
 * leaves); `allocatedResources` keeps the request.
 */
export function resizeFinishedPatch(status: ClaimResizeStatus | undefined, capacity: string) {
  return {
    capacity: { storage: capacity },
    conditions: otherConditions(status),
    allocatedResourceStatuses: { storage: null },
  };
}

/**
 * The patch that says "failed": condition `ControllerResizeError` with the reason, and
 * `ControllerResizeInfeasible` when retrying the same size cannot succeed (the volume group
 * is too small); otherwise the status stays `ControllerResizeInProgress`, as external-resizer
 * leaves it for transient errors, and the agent retries.
 */
export function resizeFailedPatch(
  status: ClaimResizeStatus | undefined,
  message: string,
  infeasible: boolean,
  now: Date,
) {
  return {
    conditions: [...otherConditions(status), {
      type: "ControllerResizeError",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, "Z"),
      message,
    }],
    allocatedResourceStatuses: {
      storage: infeasible ? CONTROLLER_RESIZE_INFEASIBLE : CONTROLLER_RESIZE_IN_PROGRESS,
    },
  };
}
