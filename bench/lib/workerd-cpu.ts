import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ProcessStat {
  parent: number;
  command: string;
  /** utime + stime, in clock ticks, of every thread. */
  ticks: number;
}

/** `/proc/<pid>/stat`, read past the command name (which may itself hold spaces or parentheses). */
function statOf(pid: number): ProcessStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const command = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    // After the name: state, ppid, …; utime and stime are the 12th and 13th (stat(5)).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { parent: Number(fields[1]), command, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** Whether `pid` descends from `ancestor` (the bench itself): another run's workerd does not. */
function descendsFrom(pid: number, ancestor: number, stats: Map<number, ProcessStat>): boolean {
  for (let current = stats.get(pid)?.parent; current !== undefined && current > 1; ) {
    if (current === ancestor) return true;
    current = stats.get(current)?.parent;
  }
  return false;
}

/**
 * CPU time (user + system, all threads) used so far by the workerd processes this bench started,
 * in microseconds, or null where `/proc` is not there to ask. Only the worker under load is busy
 * at any moment, so a difference between two readings is that worker's CPU time; other workerd
 * processes on the machine (another bench, a test run, `wrangler dev`) are not counted.
 */
export function workerdCpuMicros(ancestor: number = process.pid): number | null {
  try {
    const stats = new Map<number, ProcessStat>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = statOf(Number(entry));
      if (stat) stats.set(Number(entry), stat);
    }
    let ticks = 0;
    for (const [pid, stat] of stats) {
      if (stat.command === "workerd" && descendsFrom(pid, ancestor, stats)) ticks += stat.ticks;
    }
    return (ticks / TICKS_PER_SECOND) * 1e6;
  } catch {
    return null;
  }
}
