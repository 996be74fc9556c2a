import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, run } from '../main.js';

/** Runs the CLI in-process and captures what it prints. */
async function agiqa(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (out += `${parts.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (err += `${parts.join(' ')}\n`));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  process.exitCode = undefined;
  try {
    const code = await run(['node', 'agiqa', ...args]);
    return { code, out, err };
  } finally {
    process.exitCode = undefined;
    for (const spy of [log, error, stderr, stdout]) spy.mockRestore();
  }
}

let dir: string;
let dataset: string;

// The CLI loads @agiqa/data and @agiqa/model lazily (they pull in sharp, tfjs, onnxruntime), and
// the workspace lint keeps them lazy everywhere in this project.
const { synthesizeDataset } = await import('@agiqa/data');
const { fisherZTest } = await import('@agiqa/model');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agiqa-cli-'));
  dataset = join(dir, 'synth');
  await synthesizeDataset({ outDir: dataset, images: 60, seed: 4 });
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('agiqa metrics / significance', () => {
  it('prints the metrics JSON the model issue specifies', async () => {
    const pred = join(dir, 'pred.txt');
    const mos = join(dir, 'mos.txt');
    await writeFile(pred, '1\n2\n2\n4\n5\n7\n');
    await writeFile(mos, '1.5\n1.9\n2.5\n3.9\n5.2\n6.8\n');
    const { code, out } = await agiqa('metrics', '--pred', pred, '--mos', mos, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as Record<string, number>;
    expect(Object.keys(report)).toEqual(['n', 'srcc', 'plcc', 'plcc_logistic', 'krcc', 'rmse']);
    expect(report.n).toBe(6);
    expect(report.srcc).toBeGreaterThan(0.9);
  });

  it('names the file and line of a bad score and exits 2', async () => {
    const pred = join(dir, 'bad.txt');
    await writeFile(pred, '1\nx\n3\n');
    const { code, err } = await agiqa('metrics', '--pred', pred, '--mos', pred, '--json');
    expect(code).toBe(2);
    expect(err).toContain(`${pred}:2`);
  });

  it('prints the Fisher z test of two independent correlations', async () => {
    const { code, out } = await agiqa('significance', '--r1', '0.8747', '--r2', '0.8813', '--n', '597', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(fisherZTest({ r1: 0.8747, n1: 597, r2: 0.8813, n2: 597 }));
  });
});

describe('agiqa data', () => {
  it('inspects a dataset into the JSON the data issue specifies', async () => {
    const { code, out } = await agiqa('data', 'inspect', '--format', 'agiqa3k', '--root', dataset, '--json');
    expect(code).toBe(0);
    const summary = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(['generators', 'missingImages', 'mos', 'prompts', 'rows']);
    expect(summary).toMatchObject({ rows: 60, missingImages: 0 });
  });

  it('splits by prompt without sharing a prompt, with a stable hash', async () => {
    const args = ['data', 'split', '--format', 'agiqa3k', '--root', dataset, '--by', 'prompt', '--train', '0.8', '--seed', '3', '--json'];
    const first = JSON.parse((await agiqa(...args)).out) as Record<string, number | string>;
    expect(Object.keys(first)).toEqual(['train', 'val', 'test', 'overlapPrompts', 'hash']);
    expect(first.overlapPrompts).toBe(0);
    expect(Number(first.train) + Number(first.val) + Number(first.test)).toBe(60);
    expect(JSON.parse((await agiqa(...args)).out)).toEqual(first);
  });

  it('validates: exit 0 on good data, exit 2 listing every problem on bad data', async () => {
    expect((await agiqa('data', 'validate', '--format', 'agiqa3k', '--root', dataset)).code).toBe(0);
    const broken = join(dir, 'broken');
    await synthesizeDataset({ outDir: broken, images: 50, seed: 5 });
    const csv = (await readFile(join(broken, 'data.csv'), 'utf8')).split('\n');
    csv[2] = csv[2].replace(/,([0-9.]+),([0-9.]+),([0-9.]+),([0-9.]+)$/, ',abc,$2,$3,$4');
    csv[5] = csv[5].replace(/,([0-9.]+),([0-9.]+),([0-9.]+),([0-9.]+)$/, ',$1,$2,9.5,$4');
    await writeFile(join(broken, 'data.csv'), csv.join('\n'));
    const { code, out } = await agiqa('data', 'validate', '--format', 'agiqa3k', '--root', broken);
    expect(code).toBe(2);
    expect(out).toMatch(/data\.csv:3:mos_quality/);
    expect(out).toMatch(/data\.csv:6:mos_align/);
  });

  it('rejects an unknown format and an out-of-range flag, naming them', async () => {
    const format = await agiqa('data', 'inspect', '--format', 'agiqa4k', '--root', dataset);
    expect(format.code).toBe(2);
    expect(format.err).toContain('--format');
    const images = await agiqa('data', 'synth', '--out', join(dir, 'x'), '--images', '10');
    expect(images.code).toBe(2);
    expect(images.err).toMatch(/--images.*50/);
  });
});

describe('agiqa sweep start', () => {
  it('rejects a bad grid before contacting any server, naming the fields', async () => {
    const { code, err } = await agiqa('sweep', 'start', '--encoders', 'bert-large', '--fusions', 'concat', '--datasets', 'd', '--seeds', '0', '--epochs', '0');
    expect(code).toBe(2);
    expect(err).toContain('--encoders: "bert-large" is not one of bert-base, distilbert, roberta');
    expect(err).toContain('--epochs must be ≥ 1, got 0');
  });

  it('says which flag is missing and what it takes, in the user\'s words', async () => {
    const { code, err } = await agiqa('sweep', 'start', '--encoders', 'tiny-bert', '--datasets', 'd', '--seeds', '0');
    expect(code).toBe(2);
    expect(err).toContain('--fusions is required; one of concat, cosine, cross_attention');
    expect(err).not.toMatch(/Invalid input|expected array/);
  });

  it('names a flag whose value is not a number', async () => {
    const { code, err } = await agiqa('sweep', 'start', '--epochs', 'ten');
    expect(code).toBe(2);
    expect(err).toContain('--epochs must be an integer, got "ten"');
  });
});

describe('agiqa table', () => {
  it('refuses a flag the table does not take, naming it and what it takes', async () => {
    const { code, err } = await agiqa('table', '2', '--dataset', 'a3k');
    expect(code).toBe(2);
    expect(err).toContain('--dataset does not apply to table 2; it takes --agiqa3k, --aigciqa2023, --pku-i2iqa');
    expect((await agiqa('table', '5')).err).toContain('unknown table "5"; valid: 1, 2, 3, timing, settings');
    expect((await agiqa('table', 'timing', '--plcc', 'logistic')).err).toContain('--plcc does not apply to table timing; it takes --include-in-progress');
    expect((await agiqa('table', '1', '--hide-published')).err).toContain('--hide-published does not apply to table 1');
  });

  it('refuses an unknown format and contradicting format flags before calling the API', async () => {
    expect(await agiqa('table', '1', '--format', 'pdf')).toMatchObject({ code: 2, err: expect.stringContaining('--format must be one of text, json, latex, csv, md, got "pdf"') });
    expect((await agiqa('table', '1', '--format', 'csv', '--json')).err).toContain('--json and --format csv disagree');
    expect((await agiqa('table', 'settings', '--format', 'latex')).err).toContain('prints text or JSON only');
  });
});

describe('agiqa significance of settings', () => {
  it('takes two settings or two correlations, never a mix, naming what is missing', async () => {
    expect(await agiqa('significance', '--a', 'set_0123456789ab')).toMatchObject({ code: 2, err: expect.stringContaining('give both --a and --b') });
    expect((await agiqa('significance', '--a', 'x', '--b', 'y', '--r1', '0.5')).err).toContain('--r1 belong to the Fisher test');
    expect((await agiqa('significance', '--r1', '0.8')).err).toContain('missing --r2, --n');
    expect((await agiqa('significance', '--r1', '0.8', '--r2', '0.7', '--n', '50', '--metric', 'plcc')).err).toContain('--metric need --a and --b');
  });
});

describe('every command', () => {
  it('accepts --json', () => {
    const leaves: Command[] = [];
    const walk = (command: Command) => (command.commands.length === 0 ? leaves.push(command) : command.commands.forEach(walk));
    walk(buildProgram());
    const path = (c: Command): string => (c.parent && c.parent.parent ? `${path(c.parent)} ${c.name()}` : c.name());
    expect(leaves.length).toBeGreaterThan(20);
    expect(leaves.filter((c) => !c.options.some((o) => o.long === '--json')).map(path)).toEqual([]);
  });

  it('prints JSON only on stdout with --json (schedule create refuses before any request)', async () => {
    const { code, out, err } = await agiqa('schedule', 'create', '--name', 'n', '--grid', join(dir, 'missing.json'), '--every', '60', '--json');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('--grid');
  });
});
