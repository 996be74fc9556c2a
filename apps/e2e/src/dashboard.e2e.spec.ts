/**
 * The dashboard in a real browser against the real stack: a Temporal dev server, the built API as a
 * process (serving the built dashboard) over a PGlite database seeded with finished runs.
 */
import { synthesizeDataset } from '@agiqa/data';
import { createDb } from '@agiqa/db';
import { startTestTemporal } from '@agiqa/orchestration/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTable1, SEED_DATASET, seedFinishedSweep, type SeededSweep } from './dashboard-seed.js';
import { browserAvailable, launchBrowser, requireBuilt, startApiProcess, type ApiProcess } from './dashboard-stack.js';

const chromiumCheck = browserAvailable();

describe.skipIf(!chromiumCheck.ok)(`dashboard in a browser${chromiumCheck.ok ? '' : ` (skipped: ${chromiumCheck.reason})`}`, () => {
  let work: string;
  /** Screenshots stay after the run (small); the path is printed. */
  let screens: string;
  let temporal: TestWorkflowEnvironment | undefined;
  let api: ApiProcess | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let seeded: SeededSweep;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireBuilt();
    work = mkdtempSync(join(tmpdir(), 'agiqa-e2e-dashboard-'));
    screens = process.env['AGIQA_E2E_SCREENSHOTS'] ?? mkdtempSync(join(tmpdir(), 'agiqa-e2e-screens-'));
    mkdirSync(screens, { recursive: true });
    const home = join(work, 'home');
    const databaseUrl = `pglite:${join(work, 'pglite')}`;

    // PGlite is single-process: seed, close, then hand the folder to the API process.
    const db = await createDb({ url: databaseUrl, home, migrate: true });
    try {
      seeded = await seedFinishedSweep(db);
    } finally {
      await db.close();
    }

    temporal = await startTestTemporal();
    api = await startApiProcess({ DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, AGIQA_HOME: home });
    browser = await launchBrowser(join(work, 'profile'));
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await temporal?.teardown();
    if (work) rmSync(work, { recursive: true, force: true });
    if (screens) console.log(`dashboard screenshots: ${screens}`);
  });

  async function open(hash: string): Promise<void> {
    if (!api) throw new Error('the API did not start');
    // A fresh document each time: going to the same hash again would keep the old page's state.
    await page.goto('about:blank');
    await page.goto(`${api.url}/${hash}`);
  }

  /** The visible text of the page never shows a raw NaN / undefined / null. */
  async function expectNoRawValues(): Promise<void> {
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).not.toMatch(/\bNaN\b|\bundefined\b|\bnull\b/);
  }

  it('opens on the sweeps list with the seeded sweep, its counts and progress bar', async () => {
    await open('');
    const row = page.locator('#sweeps-table tbody tr', { hasText: seeded.sweepName });
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.innerText()).toContain(`7/${seeded.cellCount} completed, 1 failed`);
    expect(await row.locator('.progress-seg').count()).toBe(2);
    await expectNoRawValues();
  });

  it('rebuilds Table 1 from Postgres beside the paper and draws the plotly heatmap', async () => {
    await open('#/sweeps');
    await page.locator('nav.main-nav a', { hasText: 'Tables' }).click();
    await page.waitForSelector('#table1');
    expect(page.url()).toContain('#/tables/1');
    expect(await page.locator('#table1-dataset').inputValue()).toBe(SEED_DATASET);

    const cell = (encoder: string, fusion: string, source: 'ours' | 'paper') =>
      page.locator(`#table1 tr[data-encoder="${encoder}"] td[data-fusion="${fusion}"][data-source="${source}"]`).innerText();
    const bertCross = expectedTable1('bert-base', 'cross_attention');
    expect(await cell('bert-base', 'cross_attention', 'ours')).toContain(`${bertCross.srcc}`);
    expect(await cell('bert-base', 'cross_attention', 'ours')).toContain(`${bertCross.plcc}`);
    expect(await cell('distilbert', 'concat', 'ours')).toContain(expectedTable1('distilbert', 'concat').srcc);
    // One of two distilbert × cross-attention runs failed: the cell is the completed one alone.
    expect(await cell('distilbert', 'cross_attention', 'ours')).toContain('0.7500 / 0.7900');
    expect(await cell('bert-base', 'cross_attention', 'paper')).toContain('0.8823 / 0.9173');
    // Paper rows without runs here: figures beside a dash, and the RoBERTa flag.
    expect(await cell('roberta', 'cosine', 'ours')).toBe('—');
    expect(await cell('roberta', 'concat', 'paper')).toContain('assignment uncertain');

    await page.waitForSelector('#table1-heatmap .main-svg');
    const traces = await page.evaluate(() => (document.getElementById('table1-heatmap') as unknown as { data: { type: string }[] }).data.map((t) => t.type));
    expect(traces).toEqual(['heatmap', 'heatmap']);
    expect(await page.locator('#table1-heatmap .hm image').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(screens, 'table1.png'), fullPage: true });
    await expectNoRawValues();
  });

  it('picks a setting, says which one is shown, and exports the table the API renders', async () => {
    await open('#/tables/1');
    await page.waitForSelector('#table1');
    // The seeded sweep (3 epochs) is not the paper's protocol: the latest setting is shown, and said so.
    expect(await page.locator('#table-selection').innerText()).toContain('latest completed run');
    const options = await page.locator('#table-setting option').allInnerTexts();
    expect(options).toHaveLength(2);
    expect(options[1]).toContain('3 epochs');
    await page.locator('#table-setting').selectOption({ index: 1 });
    await page.waitForURL(/setting=set_[0-9a-f]{12}/);
    await page.waitForSelector('#table1');
    expect(await page.locator('#table-selection').innerText()).toContain('the setting picked');
    expect(await page.locator('#table-sweep option').allInnerTexts()).toEqual(['all sweeps of this setting', expect.stringContaining(seeded.sweepName)]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-latex-download').click()]);
    expect(download.suggestedFilename()).toBe('agiqa-table1.tex');
    const path = await download.path();
    expect(readFileSync(path, 'utf8')).toMatch(/\\toprule[\s\S]*\\bottomrule/);
    await expectNoRawValues();
  });

  it('shows a sweep with its cell grid coloured by status, curves and actions', async () => {
    await open('#/sweeps');
    await page.locator('#sweeps-table a', { hasText: seeded.sweepName }).click();
    await page.waitForSelector('.cell-grid');
    expect(page.url()).toContain(`#/sweeps/${seeded.sweepId}`);
    expect(await page.locator('.cell-grid .square').count()).toBe(seeded.cellCount);
    expect(await page.locator('.cell-grid .square.status-failed').count()).toBe(1);
    expect(await page.locator('#sweep-counts').innerText()).toContain('7 completed');
    expect(await page.locator('#runs-table tbody tr').count()).toBe(seeded.cellCount);
    expect(await page.locator('button', { hasText: 'Re-run failed (1)' }).isEnabled()).toBe(true);
    expect(await page.locator('button', { hasText: 'Cancel sweep' }).isDisabled()).toBe(true);
    await page.waitForSelector('#sweep-curves .main-svg');
    expect(await page.locator('#runs-table', { hasText: 'loss became NaN' }).count()).toBe(1);
    await page.screenshot({ path: join(screens, 'sweep.png'), fullPage: true });
  });

  it('shows a run with its config, attempts, epoch curves and predictions scatter', async () => {
    await open(`#/runs/${seeded.predictedRunId}`);
    await page.waitForSelector('#run-curves .main-svg');
    await page.waitForSelector('#run-predictions .main-svg');
    const traces = await page.evaluate(() => (document.getElementById('run-predictions') as unknown as { data: { name: string }[] }).data.map((t) => t.name));
    expect(traces).toEqual(expect.arrayContaining(['sd1.5', 'midjourney', 'predicted = MOS']));
    expect(await page.locator('#attempts-table tbody tr').count()).toBe(1);
    expect(await page.locator('.kv', { hasText: 'e2e-host' }).count()).toBe(1);
    await expectNoRawValues();
  });

  it('puts the API validation errors next to the new-sweep fields', async () => {
    await open('#/sweeps/new');
    const form = page.locator('#new-sweep-form');
    await form.waitFor();
    await form.locator('input[name="fusions"][value="concat"]').check();
    await form.locator(`input[name="datasets"][value="${SEED_DATASET}"]`).check();
    await form.locator('input[name="epochs"]').fill('ten');
    // No text encoder checked: the grid has an empty `encoders` list.
    await form.locator('button[type="submit"]').click();

    const encodersError = form.locator('[data-error-for="encoders"]');
    await expect.poll(() => encodersError.innerText()).toMatch(/at least one/);
    expect(await form.locator('[data-error-for="epochs"]').innerText()).not.toBe('');
    expect(await form.locator('[data-field="encoders"].invalid').count()).toBe(1);
    expect(await form.locator('[data-error-for="fusions"]').innerText()).toBe('');
    expect(page.url()).toContain('#/sweeps/new');
    await page.screenshot({ path: join(screens, 'new-sweep-errors.png'), fullPage: true });
  });

  it('launches a valid grid: the API starts it on Temporal and the page follows the new sweep', async () => {
    await open('#/sweeps/new');
    const form = page.locator('#new-sweep-form');
    await form.waitFor();
    await form.locator('input[name="encoders"][value="tiny-bert"]').check();
    await form.locator('input[name="fusions"][value="cosine"]').check();
    await form.locator(`input[name="datasets"][value="${SEED_DATASET}"]`).check();
    await form.locator('input[name="name"]').fill('e2e-launched');
    await form.locator('input[name="seeds"]').fill('3, 4');
    await form.locator('input[name="epochs"]').fill('2');
    expect(await form.locator('.cell-count').innerText()).toContain('2 cells');
    // The default image encoder (clip-vit-b32) has no model folder on this stack: the pre-flight
    // refuses the grid at submission, beside the field, and nothing is launched.
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => form.locator('[data-error-for="imageEncoder"]').innerText()).toContain('not available offline');
    expect(page.url()).toContain('#/sweeps/new');

    await form.locator('select[name="imageEncoder"]').selectOption('tiny-clip');
    await form.locator('button[type="submit"]').click();
    await page.waitForSelector('.cell-grid');
    expect(page.url()).toMatch(/#\/sweeps\/[0-9a-f-]{36}$/);
    expect(await page.locator('.page-header h1').innerText()).toBe('e2e-launched');
    // No worker serves the queues in this test: the cells stay pending; the page follows the sweep's events.
    expect(await page.locator('.cell-grid .square.status-pending').count()).toBe(2);
    expect(await page.locator('.warning', { hasText: 'random fixture' }).count()).toBe(1);
    const cancel = page.locator('button', { hasText: 'Cancel sweep' });
    expect(await cancel.isEnabled()).toBe(true);
    await cancel.click();
    await expect.poll(() => page.locator('#status-line').innerText()).toContain('Cancellation requested');
    await expectNoRawValues();
  });

  it('re-runs the failed cell of the seeded sweep from its page', async () => {
    await open(`#/sweeps/${seeded.sweepId}`);
    const rerun = page.locator('button', { hasText: 'Re-run failed (1)' });
    await rerun.waitFor();
    await rerun.click();
    await expect.poll(() => page.locator('#status-line').innerText()).toContain('Re-running 1 cell');
    // The failed cell is queued again (pending until a worker takes it); the completed ones stay.
    await expect.poll(() => page.locator('.cell-grid .square.status-failed').count()).toBe(0);
    expect(await page.locator('.cell-grid .square.status-completed').count()).toBe(7);
  });

  it('compares two runs: metrics side by side, overlaid curves and a significance test', async () => {
    await open(`#/compare?ids=${seeded.predictedRunId},${seeded.comparedRunId}`);
    await page.waitForSelector('#compare-series');
    // One row per run, in the order asked, with its metrics side by side.
    const rows = page.locator('#compare-series tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('#compare-series thead').innerText()).toMatch(/SRCC\s+PLCC\s+PLCC \(logistic\)\s+KRCC\s+RMSE/);
    // The seeded figures (dashboard-seed.ts): SRCC, PLCC, PLCC + 0.005, SRCC − 0.15, 0.42.
    expect(await rows.first().innerText()).toMatch(/bert-base\/concat\/r0\/s0\s+1\s+0\.7100 \(n=1\)\s+0\.7400 \(n=1\)\s+0\.7450 \(n=1\)\s+0\.5600 \(n=1\)\s+0\.4200 \(n=1\)/);
    expect(await rows.nth(1).innerText()).toMatch(/bert-base\/cross_attention\/r0\/s0\s+1\s+0\.8000 \(n=1\)\s+0\.8500 \(n=1\)/);
    await page.waitForSelector('#compare-curves .main-svg');
    const traces = await page.evaluate(() => (document.getElementById('compare-curves') as unknown as { data: unknown[] }).data.length);
    expect(traces).toBe(2);
    // Both runs predicted the same items: Steiger's test for dependent correlations.
    expect(await page.locator('ul.notes li').allInnerTexts()).toEqual([]);
    const significance = page.locator('#compare-pairwise tbody tr');
    expect(await significance.count()).toBe(1);
    expect(await significance.innerText()).toContain('Steiger');
    await page.locator('#compare-metric').selectOption('trainLoss');
    await expect.poll(() => page.evaluate(() => (document.querySelector('#compare-curves .ytitle') as SVGElement | null)?.textContent)).toBe('train loss');
    await expectNoRawValues();
  });

  it('registers a dataset folder from the form, and shows a bad name beside its field', async () => {
    const folder = join(work, 'synthetic');
    await synthesizeDataset({ outDir: folder, images: 50, seed: 7, size: 64 });
    await open('#/datasets');
    const form = page.locator('#register-dataset-form');
    await form.waitFor();

    await form.locator('input[name="name"]').fill('bad name!');
    await form.locator('input[name="root"]').fill(folder);
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => form.locator('[data-error-for="name"]').innerText()).toMatch(/letters, digits/);

    await form.locator('input[name="name"]').fill('synthetic-e2e');
    await form.locator('button[type="submit"]').click();
    const row = page.locator('#datasets-table tbody tr', { hasText: 'synthetic-e2e' });
    await expect.poll(() => row.count(), { timeout: 60_000 }).toBe(1);
    expect(await row.innerText()).toContain('50');
    expect(await form.locator('[data-error-for="name"]').innerText()).toBe('');
  });

  it('creates a retraining schedule from a sweep, pauses, resumes and deletes it', async () => {
    await open(`#/sweeps/${seeded.sweepId}`);
    await page.locator('a', { hasText: 'Schedule this grid' }).click();
    const form = page.locator('#new-schedule-form');
    await form.waitFor();
    // The grid comes from the sweep.
    expect(await form.locator('input[name="grid.encoders"][value="bert-base"]').isChecked()).toBe(true);
    expect(await form.locator('input[name="grid.seeds"]').inputValue()).toBe('0, 1');

    // No cron given: the API's rule "exactly one of cron or intervalSeconds" lands on the cron field.
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => form.locator('[data-error-for="cron"]').innerText()).toMatch(/cron/);

    await form.locator('input[name="cron"]').fill('0 3 * * 1');
    await form.locator('button[type="submit"]').click();
    await page.waitForSelector('#schedules-table');
    const row = page.locator('#schedules-table tbody tr', { hasText: 'e2e-table1-retrain' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain('cron 0 3 * * 1 (UTC)');
    expect(await row.locator('.badge').innerText()).toBe('active');

    await row.locator('button', { hasText: 'Pause' }).click();
    await expect.poll(() => row.locator('.badge').innerText()).toBe('paused');
    await row.locator('button', { hasText: 'Resume' }).click();
    await expect.poll(() => row.locator('.badge').innerText()).toBe('active');
    await row.locator('button', { hasText: 'Trigger now' }).click();
    await expect.poll(() => page.locator('#status-line').innerText()).toContain('triggered');

    page.once('dialog', (dialog) => void dialog.accept());
    await row.locator('button', { hasText: 'Delete' }).click();
    await expect.poll(() => row.count()).toBe(0);
    await expectNoRawValues();
  });

  it('lists the task queues and their workers on the settings page (this stack runs none)', async () => {
    await open('#/settings');
    const rows = page.locator('#workers tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().innerText()).toMatch(/agiqa-cpu\s+cpu\s+no worker polls this queue/);
  });

  it('creates an API token, keeps it in the browser and sends it: without it writes are refused', async () => {
    await open('#/settings');
    await page.locator('#new-token-name').fill('e2e-browser');
    await page.locator('button', { hasText: 'Create token' }).click();
    const secret = await page.locator('code.secret').innerText();
    expect(secret.length).toBeGreaterThan(16);
    expect(await page.locator('#token-state').innerText()).toBe('token set');
    expect(await page.evaluate(() => window.localStorage.getItem('agiqa.apiToken'))).toBe(secret);

    // From now on the API requires a token for writes: clear ours and try one.
    await page.locator('button', { hasText: 'Clear' }).click();
    expect(await page.locator('#token-state').innerText()).toBe('no token');
    await open(`#/schedules/new?from=${seeded.sweepId}`);
    const form = page.locator('#new-schedule-form');
    await form.waitFor();
    await form.locator('input[name="name"]').fill('needs-a-token');
    await form.locator('input[name="cron"]').fill('0 4 * * *');
    await form.locator('button[type="submit"]').click();
    const refused = form.locator('.form-general .error-box');
    await expect.poll(() => refused.innerText()).toContain('unauthorized');
    expect(await refused.locator('a[href="#/settings"]').count()).toBe(1);

    await open('#/settings');
    await page.locator('#api-token').fill(secret);
    await page.locator('button', { hasText: 'Save token' }).click();
    await open(`#/schedules/new?from=${seeded.sweepId}`);
    await form.waitFor();
    await form.locator('input[name="name"]').fill('needs-a-token');
    await form.locator('input[name="cron"]').fill('0 4 * * *');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('#schedules-table tbody tr', { hasText: 'needs-a-token' }).count()).toBe(1);
  });

  it('fits a narrow screen: wide tables scroll inside their box, not the page', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      // Each page is settled when its last-drawn part is there and no loading notice is left. Not
      // network idleness: the live sweep page keeps its event stream open for as long as it shows.
      const pages = [
        { hash: '#/tables/1', drawn: '#table1-heatmap .main-svg' },
        { hash: `#/sweeps/${seeded.sweepId}`, drawn: '#sweep-curves .main-svg' },
        { hash: '#/sweeps/new', drawn: '#new-sweep-form' },
      ];
      for (const { hash, drawn } of pages) {
        await open(hash);
        await page.waitForSelector('main .page-header');
        await page.waitForSelector(drawn);
        await expect.poll(() => page.locator('main [role="status"]').count(), { message: hash }).toBe(0);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, hash).toBeLessThanOrEqual(1);
      }
      await page.screenshot({ path: join(screens, 'narrow-new-sweep.png'), fullPage: true });
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
