import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function workerdPids(): string[] {
  return readdirSync("/proc").filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "workerd";
    } catch {
      return false;
    }
  });
}

/**
 * CPU time (user + system, all threads) used so far by every workerd process of this machine, in
 * microseconds, or null where `/proc` is not there to ask. Only the worker under load is busy at
 * any moment, so a difference between two readings is that worker's CPU time.
 */
export function workerdCpuMicros(): number | null {
  try {
    let ticks = 0;
    for (const pid of workerdPids()) {
      // Fields after the command name: utime and stime are the 12th and 13th (stat(5)).
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return (ticks / TICKS_PER_SECOND) * 1e6;
  } catch {
    return null;
  }
}
