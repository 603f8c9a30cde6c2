/**
 * Reading a process's CPU time and resident memory from /proc, for peer comparisons:
 * on a shared 2-core machine, CPU time per unit of work is steadier than wall-clock rate.
 */
import { readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process in seconds (children not included). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Resident set size of a process in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Formats a byte count in MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
