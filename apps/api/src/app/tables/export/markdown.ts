import { bestValues, isBest, legend, MARKS, type DocFigure, type TableDocument } from './document.js';

/*
 * GitHub-flavoured Markdown: the caption as a bold-led paragraph, one table with a section column
 * when there are sections, each figure column split into SRCC, PLCC and n, the best value per
 * column in bold, the legend and notes underneath. Numbers print at four decimals as the paper
 * does; a test parses them back.
 */

const DIGITS = 4;

export function renderMarkdown(doc: TableDocument): string {
  const best = bestValues(doc);
  const sectioned = doc.sections.length > 1 || doc.sections.some((s) => s.title !== null);
  const header: string[] = [...(sectioned ? ['Section'] : [])];
  const align: string[] = [...(sectioned ? [':--'] : [])];
  for (const c of doc.columns) {
    if (c.kind === 'figure') {
      header.push(`${c.label} SRCC`, `${c.label} PLCC`, `${c.label} n`);
      align.push('--:', '--:', '--:');
    } else {
      header.push(c.label);
      align.push(c.kind === 'number' ? '--:' : ':--');
    }
  }
  const lines = [`**${cell(doc.caption)}**`, '', `| ${header.map(cell).join(' | ')} |`, `| ${align.join(' | ')} |`];
  doc.sections.forEach((section, s) => {
    for (const row of section.rows) {
      const cells: string[] = sectioned ? [cell(section.title ?? '')] : [];
      doc.columns.forEach((column, c) => {
        const value = row.cells[column.key];
        if (column.kind === 'figure') {
          if (value?.kind !== 'figure') cells.push('—', '—', '—');
          else cells.push(...figureCells(value, (metric, v) => isBest(doc, best, s, column.key, metric, v, DIGITS)));
        } else if (value?.kind === 'text') {
          cells.push(cell(value.text) + (c === 0 ? row.marks.map((m) => MARKS[m].symbol).join('') : ''));
        } else if (value?.kind === 'number') {
          const text = value.value.toFixed(value.digits);
          cells.push(isBest(doc, best, s, column.key, 'value', value.value, value.digits) ? `**${text}**` : text);
        } else {
          cells.push('—');
        }
      });
      lines.push(`| ${cells.join(' | ')} |`);
    }
  });
  lines.push('');
  const hasFigures = doc.columns.some((c) => c.kind === 'figure');
  const footer = [
    ...legend(doc).map((l) => `${l.symbol} ${l.meaning}.`),
    hasFigures ? 'Bold: best value per column. (Δ …) = ours − paper.' : 'Bold: best value per column.',
    ...doc.notes,
  ];
  lines.push(...footer.map((line) => `${cell(line)}  `), '');
  return lines.join('\n');
}

/** `0.8813 ± 0.0021 (Δ +0.0010)*` per metric, then n (empty for reported figures). */
function figureCells(f: DocFigure, bold: (metric: 'srcc' | 'plcc', value: number) => boolean): string[] {
  const marks = f.marks.map((m) => MARKS[m].symbol).join('');
  const one = (metric: 'srcc' | 'plcc') => {
    const mean = f[metric].toFixed(DIGITS);
    const std = f[`${metric}Std`];
    return `${bold(metric, f[metric]) ? `**${mean}**` : mean}${std !== null ? ` ± ${std.toFixed(DIGITS)}` : ''}${f.delta ? ` (Δ ${signed(f.delta[metric])})` : ''}${marks}`;
  };
  return [one('srcc'), one('plcc'), f.n === null ? '' : String(f.n)];
}

function signed(value: number): string {
  const text = Math.abs(value).toFixed(DIGITS);
  return value < 0 && Number(text) !== 0 ? `−${text}` : `+${text}`;
}

/** Text safe inside a table cell: pipes escaped, line breaks folded. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
