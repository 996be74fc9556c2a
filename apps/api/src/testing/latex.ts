/**
 * A real LaTeX compiler for the export tests (spec-only): `pdflatex` from TeX Live
 * (`texlive-latex-recommended` has booktabs). Like the PostgreSQL suites, the tests skip with the
 * reason where it is missing, and `AGIQA_REQUIRE_LATEX=1` (CI) turns a missing compiler into a failure.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function latexAvailable(env: NodeJS.ProcessEnv = process.env): { ok: boolean; reason: string } {
  try {
    const version = execFileSync('pdflatex', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
    return { ok: true, reason: version };
  } catch {
    const reason = 'no pdflatex on PATH (apt-get install --no-install-recommends texlive-latex-recommended)';
    if (env['AGIQA_REQUIRE_LATEX'] === '1') throw new Error(`AGIQA_REQUIRE_LATEX=1 but ${reason}`);
    return { ok: false, reason };
  }
}

/** Compiles `body` inside a minimal article with booktabs; `ok` false with the log's tail on any error. */
export async function compileLatex(body: string): Promise<{ ok: boolean; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'agiqa-latex-'));
  try {
    writeFileSync(join(dir, 'table.tex'), ['\\documentclass{article}', '\\usepackage{booktabs}', '\\begin{document}', body, '\\end{document}', ''].join('\n'));
    try {
      await run('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', '-no-shell-escape', 'table.tex'], { cwd: dir, timeout: 60_000 });
      return { ok: true, log: '' };
    } catch (error) {
      const stdout = (error as { stdout?: string }).stdout ?? String(error);
      return { ok: false, log: stdout.split('\n').slice(-30).join('\n') };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
