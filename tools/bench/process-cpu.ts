import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) the processes of a benchmark's stack have used so far, by role, read
 * from /proc (Linux): where a round's work went, measured rather than guessed. Only this process's
 * descendants count (the stack's servers, its workers, Postgres's backends), each in the first role
 * whose pattern its command line matches. Processes that exited are no longer counted, so roles
 * should be long-lived (pooled connections are).
 */
export interface ProcessRole {
  name: string;
  commandLine: RegExp;
}

const TICKS_PER_SECOND = 100;

interface ProcessInfo {
  pid: number;
  parentPid: number;
  commandLine: string;
  cpuSeconds: number;
}

function readProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      processes.push({ pid: Number(entry), parentPid: Number(fields[1]), commandLine, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // Exited while being read.
    }
  }
  return processes;
}

export function cpuSecondsByRole(roles: readonly ProcessRole[], rootPid = process.pid): Record<string, number> {
  const processes = readProcesses();
  const descendants = new Set([rootPid]);
  // Parents are not always listed before their children: repeat until nothing is added.
  for (let grew = true; grew; ) {
    grew = false;
    for (const candidate of processes) {
      if (!descendants.has(candidate.pid) && descendants.has(candidate.parentPid)) {
        descendants.add(candidate.pid);
        grew = true;
      }
    }
  }
  const totals: Record<string, number> = Object.fromEntries(roles.map((role) => [role.name, 0]));
  for (const candidate of processes) {
    if (!descendants.has(candidate.pid)) continue;
    const role = candidate.pid === rootPid ? null : roles.find((each) => each.commandLine.test(candidate.commandLine));
    if (role) totals[role.name]! += candidate.cpuSeconds;
  }
  return totals;
}

export function cpuSecondsSince(before: Record<string, number>, roles: readonly ProcessRole[]): Record<string, number> {
  const now = cpuSecondsByRole(roles);
  return Object.fromEntries(Object.entries(now).map(([name, seconds]) => [name, seconds - (before[name] ?? 0)]));
}
