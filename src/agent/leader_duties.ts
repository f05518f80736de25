/**
 * The cluster-wide duties of the elected agent: choosing nodes for `Immediate` claims and
 * giving up the volumes of deleted nodes. Every agent campaigns for the Lease
 * `local-lvm-leader` in its namespace and keeps the caches these duties read (all Nodes, our
 * CSIStorageCapacity objects) warm, so a new leader acts at once; only the leader acts.
 *
 * @module
 */

import type { Config } from "../config/types.ts";
import { LABEL_MANAGED_BY, MANAGED_BY } from "../decide/names.ts";
import { CSI_STORAGE_CAPACITIES, NODES } from "../kube/api_path.ts";
import type { ClaimApi } from "../kube/claim_api.ts";
import type { KubeHttp } from "../kube/http.ts";
import { KubeLeaseStore } from "../kube/lease.ts";
import { apiListWatch } from "../kube/list_watch.ts";
import type { KubeObject } from "../kube/objects.ts";
import { Reflector } from "../kube/reflector.ts";
import type { VolumeApi } from "../kube/volume_api.ts";
import { Chooser } from "./chooser.ts";
import type { AgentLogger, Cache, EventSink } from "./context.ts";
import { type ElectionTiming, LeaderElector } from "./leader_election.ts";
import { StrandedVolumes } from "./stranded_volumes.ts";

/** The Lease the agents compete for. */
export const LEADER_LEASE = "local-lvm-leader";

/** One of the agent's reflectors, as the duties read it. */
export type SyncedCache = Cache<KubeObject> & { hasSynced: boolean; synced: Promise<boolean> };

/** What the duties are built from (the agent's own caches and clients). */
export interface LeaderDutiesParts {
  /** `holderIdentity`: this agent's node. */
  identity: string;
  namespace: string;
  http: KubeHttp;
  timing: ElectionTiming;
  /** How long a deleted node's volumes wait before they are given up. */
  nodeGraceMs: number;
  config(): Config;
  claims: SyncedCache;
  persistentVolumes: SyncedCache;
  storageClasses: Cache<KubeObject>;
  claimApi: Pick<ClaimApi, "setSelectedNode">;
  volumes: Pick<VolumeApi, "deletePersistentVolume">;
  events: EventSink;
  log: AgentLogger;
}

/** The running duties; the agent forwards its cache changes. */
export interface LeaderDuties {
  isLeader(): boolean;
  claimChanged(key: string): void;
  volumeChanged(): void;
  classChanged(): void;
  /** Caches of the duties not yet synced, for `/readyz`-style reports. */
  notSynced(): string[];
  stop(): Promise<void>;
}

/** Starts campaigning and the caches. */
export function startLeaderDuties(parts: LeaderDutiesParts): LeaderDuties {
  const { log } = parts;
  const kubeLog = {
    info: log.info.bind(log),
    warn: log.warn.bind(log),
    error: log.error.bind(log),
  };
  const elector = new LeaderElector({
    store: new KubeLeaseStore(
      parts.http,
      parts.namespace,
      LEADER_LEASE,
      parts.timing.renewDeadlineMs,
    ),
    identity: parts.identity,
    timing: parts.timing,
    log,
    onStartedLeading: () => {
      chooser.lookAgain();
      stranded.look();
    },
    onStoppedLeading: () => stranded.leadershipLost(),
  });
  const isLeader = () => elector.isLeader();
  const changed = () => {
    chooser.lookAgain();
    stranded.look();
  };
  const reflector = (type: typeof NODES, options: Parameters<typeof apiListWatch>[2]) =>
    new Reflector<KubeObject>({
      listWatch: apiListWatch(parts.http, type, options),
      logger: kubeLog,
      handlers: { onAdd: changed, onUpdate: changed, onDelete: changed },
    });
  const nodes = reflector(NODES, {});
  const capacities = reflector(CSI_STORAGE_CAPACITIES, {
    namespace: parts.namespace,
    labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY}`,
  });
  const chooser = new Chooser({
    isLeader,
    config: parts.config,
    claims: parts.claims,
    persistentVolumes: parts.persistentVolumes,
    storageClasses: parts.storageClasses,
    nodes,
    capacities,
    claimApi: parts.claimApi,
    events: parts.events,
    log,
  });
  const stranded = new StrandedVolumes({
    isLeader,
    synced: () => nodes.hasSynced && parts.persistentVolumes.hasSynced && parts.claims.hasSynced,
    config: parts.config,
    persistentVolumes: parts.persistentVolumes,
    claims: parts.claims,
    nodes,
    volumes: parts.volumes,
    events: parts.events,
    log,
    graceMs: parts.nodeGraceMs,
  });
  nodes.start();
  capacities.start();
  chooser.start();
  stranded.start();
  // Campaign once the caches are complete: a leader must not decide on half a picture.
  const caches = [nodes, capacities, parts.claims, parts.persistentVolumes];
  let stopping = false;
  void Promise.all(caches.map((c) => c.synced)).then((synced) => {
    if (synced.every(Boolean) && !stopping) elector.start();
  });

  return {
    isLeader,
    claimChanged: (key) => chooser.claimChanged(key),
    volumeChanged: () => stranded.look(),
    classChanged: () => chooser.lookAgain(),
    notSynced: () => [
      ...(nodes.hasSynced ? [] : ["nodes cache not synced"]),
      ...(capacities.hasSynced ? [] : ["capacities cache not synced"]),
    ],
    async stop() {
      // Not waiting for the caches: the agent's own are stopped after this.
      stopping = true;
      await elector.stop();
      await Promise.all([nodes.stop(), capacities.stop()]);
      await Promise.all([chooser.stop(), stranded.stop()]);
    },
  };
}
