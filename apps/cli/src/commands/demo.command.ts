import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AgiqaError, invalidInput, type GridSpecInput, type SweepDetail, type Table1 } from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { parse } from '../cli-error.js';
import { renderTable1 } from '../format/table1.js';
import { stackPaths } from '../stack/paths.js';
import { up } from '../stack/stack.js';
import { progressMode } from '../progress/progress.js';
import { synthesizeWithProgress } from './data.command.js';
import { waitAndReport } from './sweep.command.js';

interface DemoFlags {
  images: number;
  epochs: number;
  seed: number;
  dataset: string;
  port?: number;
  ephemeralPorts?: boolean;
  json?: boolean;
}

/**
 * The main job on the embedded default: start the stack, generate and register a synthetic
 * dataset, run a 2 text encoders × 2 fusions sweep to completion and print Table 1.
 *
 * No weights can be downloaded on an offline machine, so the demo uses the tiny randomly
 * initialised BERT / DistilBERT / CLIP fixtures committed in libs/model/fixtures. The pipeline is
 * the real one (ONNX encoders, cached features, tfjs heads, Temporal, Postgres); the numbers say
 * how well heads learn the synthetic mapping from tiny random features, not the paper's figures.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start the embedded stack and run a 2×2 sweep on a synthetic dataset, then print Table 1')
    .option('--images <n>', 'synthetic dataset size', parse.int('--images', 50), 1000)
    .option('--epochs <n>', 'epochs per run', parse.int('--epochs', 1), 60)
    .option('--seed <n>', 'dataset and training seed', parse.int('--seed', 0), 0)
    .option('--dataset <name>', 'dataset name to register (default: synth-demo-<images>-s<seed>)')
    .option('--port <port>', 'API port (default 8750, or a free one)', parse.int('--port', 0))
    .option('--ephemeral-ports', 'use free ports instead of the well-known ones (run beside another stack)')
    .option('--json', 'print the final sweep, Table 1 and the URLs as JSON (no progress output)')
    .action(async (options: Omit<DemoFlags, 'dataset'> & { dataset?: string }) => {
      // The name follows the size and seed, so a demo with other settings never reuses another's data.
      const flags: DemoFlags = { ...options, dataset: options.dataset ?? `synth-demo-${options.images}-s${options.seed}` };
      const say = flags.json ? () => undefined : (line: string) => console.log(line);
      const state = await up({ apiPort: flags.port, ephemeralPorts: flags.ephemeralPorts, log: flags.json ? undefined : (line) => console.log(`· ${line}`) });
      const api = new ApiClient(state.apiUrl, process.env.AGIQA_API_TOKEN || undefined);

      const datasetDir = join(stackPaths().home, 'datasets', `synth-${flags.images}-s${flags.seed}`);
      if (!existsSync(join(datasetDir, 'data.csv'))) {
        say(`· generating ${flags.images} synthetic AGIs in ${datasetDir}`);
        await synthesizeWithProgress({ outDir: datasetDir, images: flags.images, seed: flags.seed }, progressMode(flags.json));
      }
      try {
        await api.post('/api/datasets', { name: flags.dataset, format: 'agiqa3k', root: datasetDir, checkImages: true });
        say(`· registered dataset ${flags.dataset}`);
      } catch (error) {
        if (!(error instanceof AgiqaError && error.code === 'conflict')) throw error;
        const registered = await api.get<{ root: string }>(`/api/datasets/${encodeURIComponent(flags.dataset)}`);
        if (registered.root !== datasetDir) {
          throw invalidInput(`dataset ${flags.dataset} is registered from ${registered.root}, not ${datasetDir}: choose another --dataset`);
        }
        say(`· dataset ${flags.dataset} is already registered`);
      }

      const grid: GridSpecInput = {
        name: 'quickstart 2×2',
        encoders: ['tiny-bert', 'tiny-distilbert'],
        fusions: ['concat', 'cross_attention'],
        datasets: [flags.dataset],
        imageEncoder: 'tiny-clip',
        seeds: [flags.seed],
        epochs: flags.epochs,
        // Tiny random features need a faster learning rate than the paper's 1e-4 to converge in a demo.
        learningRate: 1e-3,
        batchSize: 32,
        maxParallel: 2,
        // Each run's inference latency, stage by stage, for `agiqa table timing` and the dashboard.
        timing: { batchSizes: [1, 8], warmup: 2, repeats: 10, items: 16 },
      };
      const sweep = await api.post<SweepDetail>('/api/sweeps', grid);
      say(`· sweep ${sweep.id}: ${sweep.cellCount} cells (tiny-bert, tiny-distilbert × concat, cross_attention)`);
      const final = await waitAndReport(api, sweep.id, flags.json);
      if (!final) return; // Ctrl-C: the sweep goes on; waitAndReport said how to follow it.

      const table = await api.get<Table1>(`/api/tables/1?dataset=${encodeURIComponent(flags.dataset)}`);
      if (flags.json) {
        console.log(JSON.stringify({ sweep: final, table1: table, dashboardUrl: state.dashboardUrl, temporalUiUrl: state.temporal.uiUrl ?? null }, null, 2));
      } else {
        console.log('');
        console.log(renderTable1(table));
        console.log('');
        console.log(`Dashboard: ${state.dashboardUrl}`);
        if (state.temporal.uiUrl) console.log(`Temporal UI: ${state.temporal.uiUrl}`);
        console.log('The stack keeps running; stop it with: npx agiqa down');
      }
      if (final.status !== 'completed') {
        throw new AgiqaError('internal', `sweep ${sweep.id} ended ${final.status}; see \`npx agiqa sweep status ${sweep.id}\` and \`npx agiqa logs worker\``);
      }
    });
}
