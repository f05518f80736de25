/**
 * The bench's chart as SVG, drawn here (no plotting library): on the left the histogram of the
 * agent overhead per claim with its p50/p99 and their goals, on the right the bulk run's
 * cumulative share of claims Bound and pods scheduled over time.
 *
 * @module
 */

import { quantile } from "./stats.ts";

/** What the chart shows. */
export interface ChartData {
  agentMs: number[];
  selectedToPvMs: number[];
  goals: { p50: number; p99: number };
  bulk?: { claimBoundMs: number[]; podScheduledMs: number[]; claims: number; nodes: number };
  caption: string;
}

const W = 460;
const H = 300;
const M = { left: 56, right: 16, top: 36, bottom: 44 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const n1 = (x: number) => Number.isFinite(x) ? x.toFixed(1) : "0";

/** Round numbers for an axis from 0 to `max`, about five of them. */
export function ticks(max: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / 5;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) =>
    s >= raw
  )!;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

function axes(xMax: number, yMax: number, xLabel: string, yLabel: string, yFmt = String): string {
  const x = (v: number) => M.left + (v / xMax) * PW;
  const y = (v: number) => M.top + PH - (v / yMax) * PH;
  const out = [
    `<line x1="${M.left}" y1="${M.top + PH}" x2="${M.left + PW}" y2="${
      M.top + PH
    }" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + PH}" stroke="#333"/>`,
  ];
  for (const t of ticks(xMax)) {
    out.push(
      `<text x="${n1(x(t))}" y="${M.top + PH + 16}" text-anchor="middle">${t}</text>`,
    );
  }
  for (const t of ticks(yMax)) {
    out.push(
      `<line x1="${M.left}" y1="${n1(y(t))}" x2="${M.left + PW}" y2="${n1(y(t))}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${n1(y(t) + 4)}" text-anchor="end">${yFmt(t)}</text>`,
    );
  }
  out.push(
    `<text x="${M.left + PW / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${
      esc(yLabel)
    }</text>`,
  );
  return out.join("\n");
}

function vline(xMax: number, v: number, color: string, label: string, dash = ""): string {
  const x = M.left + (Math.min(v, xMax) / xMax) * PW;
  return `<line x1="${n1(x)}" y1="${M.top}" x2="${n1(x)}" y2="${M.top + PH}" stroke="${color}"${
    dash ? ` stroke-dasharray="${dash}"` : ""
  }/><text x="${n1(x + 3)}" y="${M.top + 10}" fill="${color}">${esc(label)}</text>`;
}

function counts(values: number[], bins: number, width: number): number[] {
  const out = new Array(bins).fill(0);
  for (const v of values) out[Math.min(bins - 1, Math.max(0, Math.floor(v / width)))]++;
  return out;
}

function histogram(d: ChartData): string {
  const sorted = [...d.agentMs].sort((a, b) => a - b);
  const p50 = quantile(sorted, 0.5);
  const p99 = quantile(sorted, 0.99);
  const outer = quantile([...d.selectedToPvMs].sort((a, b) => a - b), 0.99) || 0;
  // The axis ends past the goals and the p99s; the rare slower claims go in the last bin.
  const axis = ticks(Math.max(d.goals.p99, p99, outer) * 1.1);
  const xMax = axis.at(-1)! + (axis[1] ?? 1);
  const bins = 50;
  const agent = counts(sorted, bins, xMax / bins);
  const whole = counts(d.selectedToPvMs, bins, xMax / bins);
  const yMax = Math.max(1, ...agent, ...whole) * 1.15;
  const bars = (c: number[], style: string) =>
    c.map((v, i) => {
      const h = (v / yMax) * PH;
      return v === 0
        ? ""
        : `<rect x="${n1(M.left + (i / bins) * PW + 0.5)}" y="${n1(M.top + PH - h)}" width="${
          n1(PW / bins - 1)
        }" height="${n1(h)}" ${style}/>`;
    }).filter(Boolean);
  return [
    `<text x="${
      W / 2
    }" y="18" text-anchor="middle" font-weight="bold">Latency per claim (n=${sorted.length}, simulated host)</text>`,
    axes(xMax, yMax, "ms", "claims"),
    ...bars(whole, `fill="none" stroke="#888"`),
    ...bars(agent, `fill="#4a7ebb" fill-opacity="0.85"`),
    `<text x="${M.left + PW - 4}" y="${
      M.top + 26
    }" text-anchor="end" fill="#4a7ebb">agent: storage-provisioner mark to PV</text>`,
    `<text x="${M.left + PW - 4}" y="${
      M.top + 40
    }" text-anchor="end" fill="#666">selected-node to PV (adds the PV binder)</text>`,
    vline(xMax, p50, "#1a7f37", `agent p50 ${p50.toFixed(0)}`),
    vline(xMax, p99, "#bc4c00", `p99 ${p99.toFixed(0)}`),
    vline(xMax, d.goals.p50, "#1a7f37", "", "4 3"),
    vline(xMax, d.goals.p99, "#bc4c00", "", "4 3"),
  ].join("\n");
}

function cdf(bulk: NonNullable<ChartData["bulk"]>): string {
  const xMaxS = ticks(Math.max(...bulk.claimBoundMs, ...bulk.podScheduledMs, 1) / 1000 * 1.05);
  const xMax = xMaxS.at(-1)! + (xMaxS[1] ?? 1);
  const line = (values: number[], color: string) => {
    const s = [...values].sort((a, b) => a - b);
    const pts = s.map((v, i) =>
      `${n1(M.left + (v / 1000 / xMax) * PW)},${n1(M.top + PH - ((i + 1) / s.length) * PH)}`
    );
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${M.left},${
      M.top + PH
    } ${pts.join(" ")}"/>`;
  };
  return [
    `<text x="${
      W / 2
    }" y="18" text-anchor="middle" font-weight="bold">Bulk: ${bulk.claims} claims + pods on ${bulk.nodes} nodes</text>`,
    axes(xMax, 100, "seconds from the first create", "% done"),
    line(bulk.claimBoundMs, "#4a7ebb"),
    line(bulk.podScheduledMs, "#bc4c00"),
    `<text x="${M.left + 8}" y="${M.top + 26}" fill="#4a7ebb">claims Bound</text>`,
    `<text x="${M.left + 8}" y="${M.top + 40}" fill="#bc4c00">pods scheduled</text>`,
  ].join("\n");
}

/** The whole SVG document. */
export function renderChart(d: ChartData): string {
  const panels = [histogram(d), ...(d.bulk ? [cdf(d.bulk)] : [])];
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${
      H + 20
    }" viewBox="0 0 ${width} ${H + 20}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => `<g transform="translate(${i * W} 0)">\n${p}\n</g>`),
    `<text x="8" y="${H + 12}" fill="#555">${esc(d.caption)}</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
