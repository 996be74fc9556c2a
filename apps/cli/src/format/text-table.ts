/** Renders rows as a plain-text table with a header rule; numbers are right-aligned. */
export function textTable(header: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null ? '—' : String(cell))));
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => (row[column] ?? '').length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => row[column] === null || typeof row[column] === 'number'));
  const line = (row: string[]) =>
    row.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Four decimals, as the paper prints correlations. */
export function fixed4(value: number | null | undefined): string | null {
  return value === null || value === undefined ? null : value.toFixed(4);
}

/** A difference with its sign at four decimals: `+0.0019`, `−0.0008` (a true minus sign). */
export function signed4(value: number): string {
  const text = Math.abs(value).toFixed(4);
  return value < 0 && Number(text) !== 0 ? `−${text}` : `+${text}`;
}
