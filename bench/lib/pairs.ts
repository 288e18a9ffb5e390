import { type LoadOptions, measureThroughput, type ThroughputSummary } from "./measure.ts";
import { workerdCpuMicros } from "./workerd-cpu.ts";

export interface Measurement extends ThroughputSummary {
  /** The bench's workerd CPU time per request during this measurement (NaN without `/proc`). */
  cpuMicrosPerRequest: number;
}

/** A measurement of a path together with its reference's (the ceiling, or raw PBKDF2), taken just before it. */
export interface Pair {
  path: Measurement;
  reference: Measurement;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("no measurements");
  return middle;
}

/** One load, with the CPU time the bench's workerd processes spent serving it. */
export async function measureWithCpu(label: string, load: LoadOptions): Promise<Measurement> {
  const cpuBefore = workerdCpuMicros();
  const summary = await measureThroughput(label, load);
  const cpuAfter = workerdCpuMicros();
  const cpuMicrosPerRequest =
    cpuBefore === null || cpuAfter === null || summary.requests === 0
      ? Number.NaN
      : (cpuAfter - cpuBefore) / summary.requests;
  return { ...summary, cpuMicrosPerRequest };
}

export interface PairSummary {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  cpuMicrosPerRequest: number;
  /** Median of the pairs' rate ratios (this path's rate / its reference's just before). */
  ratio: number;
  lowestRatio: number;
  highestRatio: number;
  /** Median of the pairs' CPU differences (this path's CPU per request − its reference's). */
  cpuAddedMicros: number;
  /** The reference's own medians over the same pairs. */
  reference: { requestsPerSecond: number; cpuMicrosPerRequest: number };
}

/**
 * A path's pairs summed up: medians of its own numbers, of its rate ratio to the reference measured
 * just before, and of the CPU per request it adds over that reference. Each pair shares its
 * moment's machine speed, so drift falls on both sides of each ratio and difference alike.
 */
export function summarize(pairs: Pair[]): PairSummary {
  const paths = pairs.map((pair) => pair.path);
  const ratios = pairs.map(({ path, reference }) => path.requestsPerSecond / reference.requestsPerSecond);
  return {
    label: paths[0]?.label ?? "",
    requestsPerSecond: median(paths.map((m) => m.requestsPerSecond)),
    p50Ms: median(paths.map((m) => m.p50Ms)),
    p99Ms: median(paths.map((m) => m.p99Ms)),
    non2xx: paths.reduce((sum, m) => sum + m.non2xx, 0),
    cpuMicrosPerRequest: median(paths.map((m) => m.cpuMicrosPerRequest)),
    ratio: median(ratios),
    lowestRatio: Math.min(...ratios),
    highestRatio: Math.max(...ratios),
    cpuAddedMicros: median(
      pairs.map(({ path, reference }) => path.cpuMicrosPerRequest - reference.cpuMicrosPerRequest),
    ),
    reference: {
      requestsPerSecond: median(pairs.map((pair) => pair.reference.requestsPerSecond)),
      cpuMicrosPerRequest: median(pairs.map((pair) => pair.reference.cpuMicrosPerRequest)),
    },
  };
}
