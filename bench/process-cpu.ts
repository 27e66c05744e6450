// Where the machine's CPU went during a benchmark window, per kind of process,
// read from Linux's /proc: every process's user + system time, classified by
// its command line, and the machine's idle time. Elsewhere (no /proc) the
// readings are empty and the figures are left out.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Process kinds, tried in order on each command line. */
const KINDS: Array<[kind: string, pattern: RegExp]> = [
  ['grading', /dist\/apps\/grading\//],
  ['emulator', /ltiaas-emulator/],
  ['postgres', /postgres/],
  ['kafka', /java .*kafka/i],
  ['bench', /dist\/bench\//],
];

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node.js runs on

export interface CpuReading {
  /** Ticks per process id, with the process's kind. */
  processes: Map<number, { kind: string; ticks: number }>;
  /** The machine's idle ticks, summed over its CPUs. */
  idleTicks: number;
}

export function readCpu(): CpuReading | undefined {
  let idleTicks: number;
  try {
    idleTicks = Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[4]);
  } catch {
    return undefined;
  }
  const processes = new Map<number, { kind: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      // Fields after the command name, which may itself hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const kind = KINDS.find(([, pattern]) => pattern.test(command))?.[0] ?? 'other';
      processes.set(pid, { kind, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended while being read.
    }
  }
  return { processes, idleTicks };
}

/**
 * CPU milliseconds per unit of work (a score, a post) spent by each kind of
 * process between two readings, and the share of the machine left idle.
 * Processes that started in between count from zero.
 */
export function cpuPerUnit(before: CpuReading | undefined, after: CpuReading | undefined, units: number, seconds: number): Record<string, number> | undefined {
  if (!before || !after || units <= 0) return undefined;
  const spent: Record<string, number> = {};
  for (const [pid, { kind, ticks }] of after.processes) {
    const delta = ticks - (before.processes.get(pid)?.ticks ?? 0);
    if (delta > 0) spent[kind] = (spent[kind] ?? 0) + delta;
  }
  const perUnit: Record<string, number> = {};
  let total = 0;
  for (const [kind, ticks] of Object.entries(spent).sort(([, a], [, b]) => b - a)) {
    const ms = (ticks * 1000) / TICKS_PER_SECOND / units;
    perUnit[kind] = round(ms);
    total += ms;
  }
  perUnit.total = round(total);
  const idleSeconds = (after.idleTicks - before.idleTicks) / TICKS_PER_SECOND;
  perUnit.idle_share = round(Math.max(0, idleSeconds) / (seconds * cpus().length));
  return perUnit;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
