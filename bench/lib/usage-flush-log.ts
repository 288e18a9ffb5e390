import { readFileSync, statSync } from "node:fs";

/** The line the API-key usage flush logs, once per flush. */
interface UsageFlushLine {
  level: "info";
  event: "api_key_usage_flushed";
  keys: number;
  rowsWritten: number;
}

function isUsageFlush(value: unknown): value is UsageFlushLine {
  const line = value as Partial<UsageFlushLine> | null;
  return line?.event === "api_key_usage_flushed" && typeof line.rowsWritten === "number";
}

/** Where a log file ends now: pass it to `usageFlushesSince` to read only what comes after. */
export function logOffset(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The usage flushes a gateway logged to `path` after byte `offset`: how many, and the D1 rows they
 * wrote in all. Lines that are not JSON, or JSON of another event, are skipped.
 */
export function usageFlushesSince(path: string, offset: number): { flushes: number; rowsWritten: number } {
  const text = readFileSync(path).subarray(offset).toString("utf8");
  let flushes = 0;
  let rowsWritten = 0;
  for (const raw of text.split("\n")) {
    if (!raw.includes("api_key_usage_flushed")) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.slice(raw.indexOf("{")));
    } catch {
      continue;
    }
    if (!isUsageFlush(parsed)) continue;
    flushes += 1;
    rowsWritten += parsed.rowsWritten;
  }
  return { flushes, rowsWritten };
}
