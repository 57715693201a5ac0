import type { ChildProcess } from 'node:child_process';

/**
 * Stops a child process the local stack or a test started: SIGTERM, then SIGKILL if it has not
 * exited within 5 s. `group`: the child was spawned `detached`, as the leader of its own process
 * group, and the whole group is signalled (sls offline forks its function workers). `crash`:
 * SIGKILL at once, so nothing gets to finish or flush (the soak's faults: a process that dies).
 */
export async function stopChild(
  child: ChildProcess,
  { group = false, crash = false }: { group?: boolean; crash?: boolean } = {},
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      if (group) process.kill(-child.pid!, name);
      else child.kill(name);
    } catch {
      // already gone
    }
  };
  signal(crash ? 'SIGKILL' : 'SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
