import type { Workers } from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { textTable } from '../format/text-table.js';

export function registerWorkersCommand(program: Command): void {
  program
    .command('workers')
    .description("the workers polling each task queue, with engine and device (from Temporal's task-queue description)")
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const workers = await ApiClient.fromEnvironment().get<Workers>('/api/workers');
      console.log(flags.json ? JSON.stringify(workers, null, 2) : formatWorkers(workers, new Date()));
    });
}

/** One row per worker and queue; a queue nobody polls says so (its cells would wait). */
export function formatWorkers(workers: Workers, now: Date): string {
  const rows = workers.queues.flatMap((queue) =>
    queue.workers.length === 0
      ? [[queue.name, queue.kind, 'no worker polls this queue', null, null, null, null, null]]
      : queue.workers.map((w) => [
          queue.name,
          queue.kind,
          w.host !== null && w.pid !== null ? `${w.host} pid ${w.pid}` : w.identity,
          w.role,
          w.engine,
          w.device,
          w.polls.join('+'),
          w.lastAccessTime ? `${Math.max(0, Math.round((now.getTime() - Date.parse(w.lastAccessTime)) / 1000))} s ago` : null,
        ]),
  );
  return textTable(['queue', 'kind', 'worker', 'role', 'engine', 'device', 'polls', 'last poll'], rows);
}
