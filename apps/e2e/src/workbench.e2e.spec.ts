/**
 * The researcher's workbench in a real browser: the runs explorer (filter, group-by with mean ± std,
 * tags, archive), Compare over 200 seeded runs (parallel coordinates and predicted-vs-MOS drawn),
 * and a sweep page that updates live (server-sent events) while the database changes under it.
 * The API process and this test share one PGlite through the embedded gateway, as the stack does.
 * Screenshots are kept (AGIQA_E2E_SCREENSHOTS, else a temp folder whose path is printed).
 */
import { PGlite } from '@electric-sql/pglite';
import { createDb, startGateway, applyMigrations, type Db, type PgliteGateway } from '@agiqa/db';
import { seedRuns } from '@agiqa/db/testing';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, requireBuilt, startApiProcess, type ApiProcess } from './dashboard-stack.js';

const chromiumCheck = browserAvailable();
const DATASET = 'wb-synth';

describe.skipIf(!chromiumCheck.ok)(`workbench in a browser${chromiumCheck.ok ? '' : ` (skipped: ${chromiumCheck.reason})`}`, () => {
  let work: string;
  let screens: string;
  let pglite: PGlite;
  let gateway: PgliteGateway;
  let db: Db;
  let temporal: TestWorkflowEnvironment | undefined;
  let api: ApiProcess | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let seededSweep: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireBuilt();
    work = mkdtempSync(join(tmpdir(), 'agiqa-e2e-workbench-'));
    screens = process.env['AGIQA_E2E_SCREENSHOTS'] ?? mkdtempSync(join(tmpdir(), 'agiqa-e2e-screens-'));
    mkdirSync(screens, { recursive: true });
    pglite = await PGlite.create(join(work, 'pglite'));
    await applyMigrations(pglite);
    gateway = await startGateway({ db: pglite });
    db = await createDb({ url: gateway.url });
    const prisma = db.prisma;
    await prisma.dataset.create({
      data: {
        name: DATASET, format: 'agiqa3k', root: '/nonexistent/wb', contentHash: 'wb'.padEnd(64, '0'), itemCount: 40, labels: ['quality'],
        summary: { rows: 40, prompts: 20, generators: { a: 20, b: 20 }, mos: { quality: { min: 1, max: 5, mean: 3 } }, missingImages: 0 },
        items: { create: Array.from({ length: 40 }, (_, i) => ({ position: i, key: `i${i}.jpg`, imagePath: `img/i${i}.jpg`, prompt: `prompt ${i >> 1}`, promptKey: String(i >> 1), generator: i % 2 ? 'a' : 'b', mos: { quality: 1 + (i % 17) / 4 } })) },
      },
    });
    // 200 runs: 2 encoders × 2 fusions × 50 seeds, 10 epochs each, 40 test predictions each.
    const seeded = await seedRuns(prisma, { dataset: DATASET, sweeps: 1, encoders: ['tiny-bert', 'tiny-distilbert'], fusions: ['concat', 'cosine'], seeds: 50, epochs: 10, predictedRuns: 200, name: 'wb' });
    seededSweep = seeded.sweepIds[0];
    temporal = await startTestTemporal();
    api = await startApiProcess({ DATABASE_URL: gateway.url, TEMPORAL_ADDRESS: temporal.address, AGIQA_HOME: join(work, 'home') });
    browser = await launchBrowser(join(work, 'profile'));
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await temporal?.teardown();
    await db?.close();
    await gateway?.close();
    await pglite?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (screens) console.log(`workbench screenshots: ${screens}`);
  });

  async function open(hash: string): Promise<void> {
    if (!api) throw new Error('the API did not start');
    await page.goto('about:blank');
    await page.goto(`${api.url}/${hash}`);
  }

  const shot = (name: string) => page.screenshot({ path: join(screens, `${name}.png`), fullPage: true });

  it('lists 200 runs in a virtualised table and filters them on the server', async () => {
    await open('#/runs');
    await expect.poll(() => page.locator('#explorer-count').textContent()).toContain('200 runs');
    // Virtualised: far fewer rows in the DOM than runs.
    const rendered = await page.locator('#explorer-runs .vrow[data-run]').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(80);
    await page.fill('#explorer-filter', 'fusion=concat; seed>=40');
    await page.click('.explorer-query button[type=submit]');
    await expect.poll(() => page.locator('#explorer-count').textContent()).toContain('20 runs');
    await shot('explorer-filtered');
  });

  it('groups by encoder and fusion with mean ± std and n', async () => {
    await open('#/runs?groupBy=textEncoder,fusion&sort=-srcc');
    const table = page.locator('#explorer-groups');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(4);
    const first = await table.locator('tbody tr').first().innerText();
    expect(first).toMatch(/tiny-distilbert\s+cosine\s+50\s+50\s+0\.\d{4} ± 0\.\d{4} \(n=50\)/);
    await shot('explorer-grouped');
  });

  it('tags runs and finds them by tag', async () => {
    pageErrors.length = 0;
    await open('#/runs?sort=seed&filter=fusion%3Dconcat&filter=textEncoder%3Dtiny-bert');
    await expect.poll(() => page.locator('#explorer-count').textContent()).toContain('50 runs');
    const boxes = page.locator('#explorer-runs .vrow[data-run] input[type=checkbox]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    page.once('dialog', (dialog) => void dialog.accept('best-seeds'));
    await page.click('button:has-text("Tag…")');
    await expect.poll(() => page.locator('#status-line').textContent()).toContain('Tagged 2 run(s) "best-seeds"');
    await open('#/runs?filter=tag%3Dbest-seeds');
    await expect.poll(() => page.locator('#explorer-count').textContent(), { message: pageErrors.join('\n') }).toContain('2 runs');
    await expect.poll(() => page.locator('#explorer-runs .tag').first().textContent()).toBe('best-seeds');
    await shot('explorer-tagged');
  });

  it('compares 200 runs as groups: parallel coordinates and the predicted-vs-MOS overlay are drawn', async () => {
    await open('#/compare?filter=status%3Dcompleted&groupBy=textEncoder%2Cfusion');
    await expect.poll(() => page.locator('#compare-series tbody tr').count(), { timeout: 30_000 }).toBe(4);
    // plotly keeps what it drew on the element: one parcoords trace with a line per run, WebGL canvases.
    const drawn = (id: string) =>
      page.evaluate((el) => {
        const div = document.getElementById(el) as (HTMLElement & { _fullData?: { type: string; dimensions?: { values: unknown[] }[]; x?: unknown[] }[] }) | null;
        return { traces: div?._fullData?.map((t) => t.type) ?? [], lines: div?._fullData?.[0]?.dimensions?.[0]?.values.length ?? 0, points: div?._fullData?.reduce((n, t) => n + (t.x?.length ?? 0), 0) ?? 0, canvases: div?.querySelectorAll('canvas').length ?? 0 };
      }, id);
    await expect.poll(async () => (await drawn('compare-parcoords')).lines, { timeout: 30_000, message: pageErrors.join('\n') }).toBe(200);
    expect((await drawn('compare-parcoords')).traces).toEqual(['parcoords']);
    await expect.poll(async () => (await drawn('compare-overlay')).points, { timeout: 30_000 }).toBe(4 * 40);
    await expect.poll(async () => (await drawn('compare-curves')).traces).toEqual(['scatter', 'scatter', 'scatter', 'scatter']);
    expect(await page.locator('#compare-pairwise tbody tr').count()).toBe(6);
    await shot('compare-200-runs');
  });

  it('archives a sweep: its runs leave the explorer', async () => {
    await open(`#/sweeps/${seededSweep}`);
    await page.click('button:has-text("Archive")');
    await expect.poll(() => page.locator('button:has-text("Unarchive")').count()).toBe(1);
    await open('#/runs');
    await expect.poll(() => page.locator('.page-explorer').innerText()).toContain('No run matches');
    await open('#/runs?archived=include');
    await expect.poll(() => page.locator('#explorer-count').textContent()).toContain('200 runs');
    await shot('explorer-archived');
  });

  it('shows a large sweep\'s runs in a scrolled table that holds only the rows in view', async () => {
    const prisma = db.prisma;
    const large = await seedRuns(prisma, { dataset: DATASET, sweeps: 1, encoders: ['tiny-bert', 'tiny-distilbert'], fusions: ['concat', 'cosine', 'cross_attention'], seeds: 60, epochs: 10, name: 'large' });
    const sweepId = large.sweepIds[0];
    await prisma.sweep.update({ where: { id: sweepId }, data: { status: 'running', finishedAt: null } });
    await prisma.run.updateMany({ where: { sweepId }, data: { status: 'running', startedAt: new Date() } });
    const runs = await prisma.run.findMany({ where: { sweepId }, orderBy: { cellKey: 'asc' }, select: { id: true, cellKey: true } });
    expect(runs).toHaveLength(360);
    await open(`#/sweeps/${sweepId}`);
    await page.waitForSelector('#runs-table tr[data-run]');
    const inView = await page.locator('#runs-table tr[data-run]').count();
    expect(inView).toBeGreaterThan(10);
    expect(inView).toBeLessThan(60);
    // The first run sits right under the head: no empty spacer row above it.
    expect(await page.locator('#runs-table tbody tr').first().getAttribute('data-run')).toBe(runs[0].id);
    // A run in view updates live; the last run is reached by scrolling.
    await prisma.run.update({ where: { id: runs[0].id }, data: { epochsDone: 7 } });
    await expect.poll(() => page.locator(`tr[data-run="${runs[0].id}"]`).innerText()).toContain('7/10');
    expect(await page.locator(`tr[data-run="${runs[359].id}"]`).count()).toBe(0);
    await page.locator('.runs-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => page.locator(`tr[data-run="${runs[359].id}"]`).innerText()).toContain(runs[359].cellKey);
    // Scrolled to the end, the last run is the table's last row and ends at the box's bottom.
    expect(await page.locator('#runs-table tbody tr').last().getAttribute('data-run')).toBe(runs[359].id);
    const gap = await page.evaluate(() => {
      const box = document.querySelector('.runs-scroll')?.getBoundingClientRect();
      const rows = document.querySelectorAll('#runs-table tbody tr');
      const last = rows[rows.length - 1]?.getBoundingClientRect();
      return box && last ? Math.abs(box.bottom - last.bottom) : Number.NaN;
    });
    expect(gap).toBeLessThan(3);
    await shot('sweep-large');
    expect(pageErrors).toEqual([]);
  });

  it('updates a running sweep live, without reloading, as cells train', async () => {
    const prisma = db.prisma;
    const live = await seedRuns(prisma, { dataset: DATASET, sweeps: 1, encoders: ['tiny-bert'], fusions: ['concat', 'cosine'], seeds: 2, epochs: 10, name: 'live' });
    const sweepId = live.sweepIds[0];
    await prisma.sweep.update({ where: { id: sweepId }, data: { status: 'running', finishedAt: null } });
    await prisma.run.updateMany({ where: { sweepId }, data: { status: 'pending', epochsDone: 0, srcc: null, plcc: null, krcc: null, rmse: null, plccLogistic: null, finishedAt: null } });
    await open(`#/sweeps/${sweepId}`);
    await expect.poll(() => page.locator('#sweep-phase').textContent()).toBe('queued');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    const runs = await prisma.run.findMany({ where: { sweepId }, orderBy: { cellKey: 'asc' } });
    // The row's cells that do not change (its link) stay the same nodes: only changed cells are replaced.
    const link = await page.locator(`tr[data-run="${runs[0].id}"] td:nth-child(2) a`).elementHandle();
    await prisma.run.update({ where: { id: runs[0].id }, data: { status: 'running', epochsDone: 3, startedAt: new Date() } });
    await expect.poll(() => page.locator('#sweep-phase').textContent()).toBe('training');
    await expect.poll(() => page.locator(`tr[data-run="${runs[0].id}"]`).innerText()).toContain('3/10');
    await expect.poll(() => page.locator('.heatmap .cell-running').first().textContent()).toContain('epoch 3/10');
    expect(await link?.evaluate((a) => a.isConnected)).toBe(true);
    await prisma.run.update({ where: { id: runs[0].id }, data: { status: 'completed', epochsDone: 10, srcc: 0.61, plcc: 0.6, krcc: 0.5, rmse: 0.4, finishedAt: new Date() } });
    await expect.poll(() => page.locator(`tr[data-run="${runs[0].id}"]`).innerText()).toContain('0.6100');
    await expect.poll(() => page.locator('#sweep-counts').textContent()).toContain('1 completed');
    // The cell's square and figures moved with it: completed, its SRCC the cell's mean (n = 1).
    await expect.poll(() => page.locator('.heatmap .square.status-completed').count()).toBe(1);
    expect(await page.locator(`.heatmap .square[href$="${runs[0].id}"]`).getAttribute('title')).toContain('SRCC 0.6100');
    expect(await page.locator('.heatmap .cell-value').first().textContent()).toContain('0.6100');
    // The same document all along: no reload happened.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await shot('sweep-live');
    expect(pageErrors).toEqual([]);
  });
});
