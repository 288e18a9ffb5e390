import type { PairSummary } from "./pairs.ts";

/** What a row is held to, if anything: a floor on its ratio, a ceiling on the CPU it adds. */
export interface Goal {
  minRatio?: number;
  maxCpuAddedMicros?: number;
  /** The row's ratio to another row (e.g. 12,000 keys against 10), with a floor of its own. */
  relative?: { to: string; ratio: number; minRatio: number };
}

export interface SummaryRow {
  label: string;
  /** What the ratio and the added CPU are measured against. */
  against: string;
  summary: PairSummary;
  goal?: Goal;
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const grouped = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");

function goalCell(row: SummaryRow): string {
  const { goal, summary } = row;
  if (!goal) return "";
  const parts: string[] = [];
  let met = true;
  if (goal.minRatio !== undefined) {
    parts.push(`≥ ${goal.minRatio}×`);
    met &&= summary.ratio >= goal.minRatio;
  }
  if (goal.maxCpuAddedMicros !== undefined) {
    parts.push(`≤ ${goal.maxCpuAddedMicros} µs`);
    met &&= summary.cpuAddedMicros <= goal.maxCpuAddedMicros;
  }
  if (goal.relative) {
    parts.push(`≥ ${goal.relative.minRatio}× ${goal.relative.to}`);
    met &&= goal.relative.ratio >= goal.relative.minRatio;
  }
  return `${met ? "met" : "MISSED"} (${parts.join(", ")})`;
}

/**
 * The summary as a Markdown table (the form docs/performance.md quotes): rate, ratio to the
 * reference measured just before (median, lowest–highest pair), workerd CPU per request and what
 * the path adds over its reference, and each goal, met or missed.
 */
export function summaryTable(rows: SummaryRow[]): string {
  const header = [
    "path",
    "against",
    "req/s",
    "ratio",
    "pairs' range",
    "CPU µs/req",
    "CPU added µs/req",
    "other ratio",
    "goal",
  ];
  const lines = rows.map(({ label, against, summary, goal }) => [
    label,
    against,
    grouped(summary.requestsPerSecond),
    `${fixed(summary.ratio, 2)}×`,
    `${fixed(summary.lowestRatio, 2)}–${fixed(summary.highestRatio, 2)}`,
    grouped(summary.cpuMicrosPerRequest),
    `${summary.cpuAddedMicros >= 0 ? "+" : ""}${grouped(summary.cpuAddedMicros)}`,
    goal?.relative ? `${fixed(goal.relative.ratio, 2)}× ${goal.relative.to}` : "",
    goalCell({ label, against, summary, ...(goal ? { goal } : {}) }),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [format(header), format(widths.map((width) => "-".repeat(width))), ...lines.map(format)].join("\n");
}
