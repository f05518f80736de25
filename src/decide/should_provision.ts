/**
 * "Should this agent provision this claim?", as one pure function, after the
 * `shouldProvision` of sig-storage-lib-external-provisioner. The StorageClass's
 * provisioner field says whose claim it is; the PV binder's storage-provisioner
 * annotation says it is time; the selected-node annotation says which agent acts.
 *
 * @module
 */

import { claimAnnotation, claimClassName, type ClaimObject } from "./claim.ts";
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
} from "./names.ts";

/** The StorageClass fields the decision reads. */
export interface ClassRef {
  name: string;
  provisioner: string;
  /** `Immediate` when unset, as in Kubernetes. */
  volumeBindingMode?: string | null;
}

/** Everything the decision depends on. */
export interface ShouldProvisionInput {
  claim: ClaimObject;
  /** The claim's StorageClass, or undefined when it does not exist. */
  storageClass: ClassRef | undefined;
  /** This agent's node. */
  node: string;
  /** Provisioner names this agent answers to: the current one and the legacy ones. */
  provisioners: readonly string[];
  /** Name of the PV already made for this claim, if one exists. */
  existingPv?: string;
}

/** Why an agent leaves a claim alone. */
export type IgnoreReason =
  | "being-deleted"
  | "already-bound"
  | "no-storage-class"
  | "not-our-provisioner"
  | "not-triggered"
  | "no-selected-node"
  | "not-our-node"
  | "already-provisioned";

/** The decision, with a sentence for the log when the answer is no. */
export type ProvisionDecision =
  | { action: "provision" }
  | { action: "ignore"; reason: IgnoreReason; message: string };

/**
 * Decides whether this agent provisions the claim now. Checks run from the most final
 * (the claim is going away) to the most local (another node's claim), so the reason
 * names the first thing that rules the claim out.
 *
 * @example
 * ```ts
 * import { shouldProvision } from "./should_provision.ts";
 * const decision = shouldProvision({
 *   claim: {
 *     metadata: {
 *       name: "data",
 *       namespace: "ns",
 *       annotations: {
 *         "volume.kubernetes.io/storage-provisioner": "local-lvm.io",
 *         "volume.kubernetes.io/selected-node": "n2",
 *       },
 *     },
 *     spec: { storageClassName: "local-lvm" },
 *   },
 *   storageClass: { name: "local-lvm", provisioner: "local-lvm.io" },
 *   node: "n1",
 *   provisioners: ["local-lvm.io", "mein.io/local-lvm"],
 * });
 * if (decision.action !== "ignore" || decision.reason !== "not-our-node") throw new Error();
 * ```
 */
export function shouldProvision(input: ShouldProvisionInput): ProvisionDecision {
  const { claim, storageClass: sc, node, provisioners } = input;
  const ignore = (reason: IgnoreReason, message: string): ProvisionDecision => ({
    action: "ignore",
    reason,
    message,
  });
  const ours = (name: string | undefined) => name !== undefined && provisioners.includes(name);

  if (claim.metadata?.deletionTimestamp) {
    return ignore("being-deleted", "claim is being deleted");
  }
  if (claim.spec?.volumeName) {
    return ignore("already-bound", `claim is already bound to volume ${claim.spec.volumeName}`);
  }
  const className = claimClassName(claim);
  if (className === undefined) {
    return ignore("no-storage-class", "claim has no storage class");
  }
  if (sc === undefined || sc.name !== className) {
    return ignore("no-storage-class", `storage class ${className} does not exist`);
  }
  if (!ours(sc.provisioner)) {
    return ignore(
      "not-our-provisioner",
      `storage class ${sc.name} belongs to provisioner ${sc.provisioner}`,
    );
  }
  const trigger = claimAnnotation(claim, ANN_STORAGE_PROVISIONER) ??
    claimAnnotation(claim, ANN_BETA_STORAGE_PROVISIONER);
  if (!ours(trigger)) {
    return ignore(
      "not-triggered",
      trigger === undefined
        ? `claim has no ${ANN_STORAGE_PROVISIONER} annotation yet`
        : `claim's ${ANN_STORAGE_PROVISIONER} annotation names provisioner ${trigger}`,
    );
  }
  const selected = claimAnnotation(claim, ANN_SELECTED_NODE);
  if (!selected) {
    return ignore(
      "no-selected-node",
      sc.volumeBindingMode === "WaitForFirstConsumer"
        ? "waiting for the scheduler to select a node (WaitForFirstConsumer)"
        : "waiting for a node to be selected for the claim (Immediate binding)",
    );
  }
  if (selected !== node) {
    return ignore("not-our-node", `claim is for node ${selected}, not ${node}`);
  }
  if (input.existingPv !== undefined) {
    return ignore("already-provisioned", `volume ${input.existingPv} already exists`);
  }
  return { action: "provision" };
}
