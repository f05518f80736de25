/**
 * Simulated `systemctl daemon-reload | is-enabled UNIT | enable [--no-reload] UNIT |
 * disable [--no-reload] UNIT`, and the read-only `cat UNIT` and
 * `list-unit-files --type=mount --output=json`, for unit files under /etc/systemd/system, as
 * systemd 252 behaves through the bus: enable and disable reload the daemon themselves
 * unless given `--no-reload` (the links are made or removed all the same); messages go to
 * stderr; arrows are `->` because LC_ALL=C is not a UTF-8 locale. `cat`'s "changed on disk"
 * warning (stderr) is not modelled.
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { parseArgs, requireValue } from "./argv.ts";
import { locate, makeSymlink, mkdirParents, nodeAt, unlink } from "./fs_tree.ts";
import { UNIT_DIR } from "./fs_commands.ts";
import { fail, ok, unsupported } from "./paths.ts";
import type { HostState } from "./state.ts";

/** The [Install] dependencies of a unit file. */
export interface InstallInfo {
  wantedBy: string[];
  requiredBy: string[];
}

/** Reads WantedBy=/RequiredBy= from a unit file's [Install] section. */
export function parseInstall(text: string): InstallInfo {
  const info: InstallInfo = { wantedBy: [], requiredBy: [] };
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.endsWith("\\")) unsupported("systemctl: line continuations in unit files");
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    if (section !== "Install") continue;
    const eq = line.indexOf("=");
    const key = line.slice(0, eq).trim();
    const values = line.slice(eq + 1).trim().split(/\s+/).filter((v) => v !== "");
    if (key === "WantedBy" || key === "RequiredBy") {
      const list = key === "WantedBy" ? info.wantedBy : info.requiredBy;
      // An empty assignment resets the list, as in every systemd list setting.
      if (values.length === 0) list.splice(0);
      else list.push(...values);
    } else {
      unsupported(`systemctl: [Install] ${key}= is not implemented`);
    }
  }
  return info;
}

const NO_INSTALL_NOTICE =
  "The unit files have no installation config (WantedBy=, RequiredBy=, Also=,\n" +
  "Alias= settings in the [Install] section, and DefaultInstance= for template\n" +
  "units). This means they are not meant to be enabled or disabled using systemctl.\n";

function unitPath(unit: string): string {
  if (!/^[A-Za-z0-9:_.\\-]+\.(service|mount|target|socket|timer|path)$/.test(unit)) {
    unsupported(`systemctl: unit name ${unit} is not implemented (name it with its suffix)`);
  }
  return `${UNIT_DIR}/${unit}`;
}

function unitText(state: HostState, path: string): string | undefined {
  const node = nodeAt(state, path);
  return node?.kind === "file" ? node.content : undefined;
}

/** Every enablement symlink named `unit` in a `.wants/` or `.requires/` directory. */
function links(state: HostState, unit: string): string[] {
  const dir = nodeAt(state, UNIT_DIR);
  if (dir?.kind !== "dir") return [];
  const found: string[] = [];
  for (const [name, node] of dir.entries) {
    if (node.kind !== "dir" || !/\.(wants|requires)$/.test(name)) continue;
    if (node.entries.get(unit)?.kind === "symlink") found.push(`${UNIT_DIR}/${name}/${unit}`);
  }
  return found.sort();
}

function reload(state: HostState): void {
  state.daemonReloads++;
  state.unitFilesChanged = false;
}

function enable(state: HostState, unit: string, noReload: boolean): CommandResult {
  const path = unitPath(unit);
  const text = unitText(state, path);
  if (text === undefined) {
    return fail(1, `Failed to enable unit: Unit file ${unit} does not exist.\n`);
  }
  const info = parseInstall(text);
  let stderr = "";
  const wanted = [
    ...info.wantedBy.map((t) => `${UNIT_DIR}/${t}.wants`),
    ...info.requiredBy.map((t) => `${UNIT_DIR}/${t}.requires`),
  ];
  for (const dir of wanted) {
    const link = `${dir}/${unit}`;
    const existing = locate(state, link).node;
    if (existing?.kind === "symlink" && existing.target === path) continue;
    if (existing) unsupported(`systemctl: ${link} exists and is not our symlink`);
    const error = mkdirParents(state, dir, 0o755) ?? makeSymlink(state, link, path);
    if (error) unsupported(`systemctl: cannot create ${link}: ${error.errno}`);
    stderr += `Created symlink ${link} -> ${path}.\n`;
  }
  if (wanted.length === 0) stderr += NO_INSTALL_NOTICE;
  if (!noReload) reload(state);
  return ok("", stderr);
}

function disable(state: HostState, unit: string, noReload: boolean): CommandResult {
  const path = unitPath(unit);
  const found = links(state, unit);
  if (unitText(state, path) === undefined && found.length === 0) {
    return fail(1, `Failed to disable unit: Unit file ${unit} does not exist.\n`);
  }
  let stderr = "";
  for (const link of found) {
    unlink(state, link);
    stderr += `Removed "${link}".\n`;
  }
  if (!noReload) reload(state);
  return ok("", stderr);
}

/** What is-enabled and list-unit-files say of a unit file, or undefined when it has none. */
function fileState(state: HostState, unit: string): "enabled" | "disabled" | "static" | undefined {
  const text = unitText(state, unitPath(unit));
  if (text === undefined) return undefined;
  const info = parseInstall(text);
  if (info.wantedBy.length === 0 && info.requiredBy.length === 0) return "static";
  return links(state, unit).length > 0 ? "enabled" : "disabled";
}

function isEnabled(state: HostState, unit: string): CommandResult {
  const found = fileState(state, unit);
  if (found === undefined) {
    return fail(1, `Failed to get unit file state for ${unit}: No such file or directory\n`);
  }
  return found === "disabled" ? fail(1, "", "disabled\n") : ok(`${found}\n`);
}

/** `systemctl cat UNIT`: the fragment's path as a comment line, then its text. */
function cat(state: HostState, unit: string): CommandResult {
  const path = unitPath(unit);
  const text = unitText(state, path);
  if (text === undefined) return fail(1, `No files found for ${unit}.\n`);
  return ok(`# ${path}\n${text}`);
}

/**
 * `systemctl list-unit-files --type=mount --output=json`: one JSON line, sorted by name;
 * nothing listed is `[]` and exit 1. Debian's preset policy enables everything with [Install].
 */
function listUnitFiles(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("systemctl", args, { "--type": "value", "--output": "value" }, {
    min: 0,
    max: 0,
  });
  requireValue("systemctl list-unit-files", parsed, "--type", ["mount"]);
  requireValue("systemctl list-unit-files", parsed, "--output", ["json"]);
  const dir = nodeAt(state, UNIT_DIR);
  const names = dir?.kind === "dir"
    ? [...dir.entries].filter(([n, node]) => node.kind === "file" && n.endsWith(".mount"))
      .map(([n]) => n).sort()
    : [];
  const rows = names.map((name) => {
    const fs = fileState(state, name)!;
    return { unit_file: name, state: fs, preset: fs === "static" ? null : "enabled" };
  });
  return rows.length > 0 ? ok(JSON.stringify(rows) + "\n") : fail(1, "", "[]\n");
}

/** `systemctl daemon-reload | is-enabled UNIT | enable [--no-reload] UNIT | disable [--no-reload] UNIT | cat UNIT` */
export function systemctlCommand(state: HostState, args: readonly string[]): CommandResult {
  if (args[0] === "list-unit-files") return listUnitFiles(state, args.slice(1));
  const parsed = parseArgs("systemctl", args, { "--no-reload": "flag" }, { min: 1, max: 2 });
  const [verb, unit] = parsed.operands;
  const noReload = parsed.options.has("--no-reload");
  if (noReload && verb !== "enable" && verb !== "disable") {
    unsupported(`systemctl ${verb} --no-reload is not implemented`);
  }
  if (verb === "daemon-reload" && unit === undefined) {
    reload(state);
    return ok();
  }
  if (unit === undefined) unsupported(`systemctl ${verb} is not implemented`);
  switch (verb) {
    case "enable":
      return enable(state, unit, noReload);
    case "disable":
      return disable(state, unit, noReload);
    case "is-enabled":
      return isEnabled(state, unit);
    case "cat":
      return cat(state, unit);
    default:
      unsupported(`systemctl ${verb} is not implemented`);
  }
}
