import { describe, expect, it } from 'vitest';
import { ProblemCollector } from '../validate/problems.js';
import { CsvTable, formatCsvRow, parseCsv } from './csv.js';

const parse = (text: string) => {
  const problems = new ProblemCollector();
  return { records: parseCsv(text, 'data.csv', problems), problems: problems.problems };
};

describe(parseCsv.name, () => {
  it('honours quoted commas, doubled quotes and newlines inside quotes, with start lines', () => {
    const { records, problems } = parse('name,prompt\r\na.jpg,"statue of a man, in ""bronze"""\r\nb.jpg,"two\nlines"\r\nc.jpg,plain\r\n');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, cells: ['name', 'prompt'] },
      { line: 2, cells: ['a.jpg', 'statue of a man, in "bronze"'] },
      { line: 3, cells: ['b.jpg', 'two\nlines'] },
      { line: 5, cells: ['c.jpg', 'plain'] },
    ]);
  });

  it('strips a BOM, accepts LF and CR line ends, keeps empty fields and skips blank lines', () => {
    const { records } = parse('\ufeffa,b,c\n1,,3\n\n4,5,\r6,7,8');
    expect(records.map((r) => [r.line, r.cells])).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['1', '', '3']],
      [4, ['4', '5', '']],
      [5, ['6', '7', '8']],
    ]);
  });

  it('reports an unterminated quote at the line it opened', () => {
    const { problems } = parse('name,prompt\nx.jpg,ok\ny.jpg,"never closed\nz.jpg,more\n');
    expect(problems).toEqual([{ path: 'data.csv:3', message: expect.stringMatching(/unterminated quoted field/) }]);
  });

  it('reports text after a closing quote and keeps reading later records', () => {
    const { records, problems } = parse('a,b\n"x"y,1\nok,2\n');
    expect(problems).toEqual([{ path: 'data.csv:2', message: expect.stringMatching(/unexpected text after a closing quote/) }]);
    expect(records.at(-1)).toEqual({ line: 3, cells: ['ok', '2'] });
  });

  it('round-trips what formatCsvRow writes', () => {
    const cells = ['plain', 'with, comma', 'with "quote"', 'multi\nline', ''];
    expect(parse(formatCsvRow(cells) + '\n').records[0].cells).toEqual(cells);
  });
});

describe(CsvTable.name, () => {
  it('flags records whose field count differs from the header, naming the line', () => {
    const problems = new ProblemCollector();
    const table = new CsvTable('data.csv', parseCsv('a,b\n1,2\n1,2,3\n4,5\n', 'data.csv', problems), problems);
    expect(table.records.map((r) => r.line)).toEqual([2, 4]);
    expect(problems.problems).toEqual([{ path: 'data.csv:3', message: expect.stringMatching(/has 3 fields, the header has 2/) }]);
    expect(table.get(table.records[1], 'b')).toBe('5');
  });
});
