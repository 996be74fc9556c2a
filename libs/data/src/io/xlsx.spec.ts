import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readXlsx } from './xlsx.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/xlsx');
const read = (name: string) => readXlsx(readFileSync(path.join(fixtures, name)), name);
const expected = JSON.parse(readFileSync(path.join(fixtures, 'cells.json'), 'utf8')) as { rows: unknown[] };

describe(readXlsx.name, () => {
  it('reads inline and rich-text strings, numbers, booleans and gaps as openpyxl wrote them', () => {
    expect(read('cells.xlsx')).toEqual(expected.rows);
  });

  it('reads the same cells stored as shared strings, as XlsxWriter (and Excel) store them', () => {
    expect(read('cells_shared.xlsx')).toEqual(expected.rows);
  });

  it('reads a prompt sheet with quotes, commas, ampersands and non-ASCII text', () => {
    expect(read('prompts_header.xlsx')).toEqual([
      { line: 1, cells: ['No.', 'Class', 'Prompt', 'Style'] },
      { line: 2, cells: ['1', 'animal', 'A cat, sitting on a "red" chair & smiling', 'realistic'] },
      { line: 3, cells: ['2', 'scene', 'Ein Haus am See — 夕焼け', 'oil painting'] },
    ]);
  });

  it('tells the user to export CSV when the file is not a workbook', () => {
    expect(() => readXlsx(Buffer.from('prompt,style\nx,y\n'), 'prompts.xlsx')).toThrow(
      /prompts\.xlsx: is not an \.xlsx workbook.*CSV UTF-8/,
    );
    const ole = Buffer.alloc(64);
    ole.writeUInt32LE(0xe011cfd0, 0);
    expect(() => readXlsx(ole, 'old.xls')).toThrow(/legacy \.xls/);
  });

  describe('spellings a regular expression would misread', () => {
    const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
    const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    /** A one-sheet workbook from its shared strings and sheet XML (the parts Excel needs, no styles). */
    function workbook(sharedStrings: string, sheet: string): Buffer {
      const zip = zipSync({
        '[Content_Types].xml': strToU8('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        'xl/workbook.xml': strToU8(`<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>`),
        'xl/_rels/workbook.xml.rels': strToU8(
          '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
            `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
        ),
        'xl/sharedStrings.xml': strToU8(sharedStrings),
        'xl/worksheets/sheet1.xml': strToU8(sheet),
      });
      return Buffer.from(zip);
    }
    const promptSheet = (prefix = '') =>
      `<${prefix}worksheet xmlns${prefix ? `:${prefix.slice(0, -1)}` : ''}="${MAIN}"><${prefix}sheetData>` +
      `<${prefix}row r="1"><${prefix}c r="A1" t="s"><${prefix}v>1</${prefix}v></${prefix}c><${prefix}c r="B1" t="s"><${prefix}v>2</${prefix}v></${prefix}c></${prefix}row>` +
      `<${prefix}row r="2"><${prefix}c r="A2" t="s"><${prefix}v>3</${prefix}v></${prefix}c><${prefix}c r="B2" t="s"><${prefix}v>0</${prefix}v></${prefix}c></${prefix}row>` +
      `</${prefix}sheetData></${prefix}worksheet>`;

    it('keeps every later shared string in place after a self-closing <si/>', () => {
      const sst = `<sst xmlns="${MAIN}" count="4" uniqueCount="4"><si/><si><t>1.png</t></si><si><t>a red fox</t></si><si><t>2.png</t></si></sst>`;
      expect(readXlsx(workbook(sst, promptSheet()), 'p.xlsx')).toEqual([
        { line: 1, cells: ['1.png', 'a red fox'] },
        { line: 2, cells: ['2.png'] },
      ]);
    });

    it('reads namespace prefixes, CDATA, character references and phonetic runs as the XML means them', () => {
      const sst =
        `<x:sst xmlns:x="${MAIN}"><x:si><x:t>  </x:t></x:si><x:si><x:t><![CDATA[1 < 2.png]]></x:t></x:si>` +
        `<x:si><x:r><x:t>caf&#233; </x:t></x:r><x:r><x:t xml:space="preserve">&amp; bar</x:t></x:r><x:rPh sb="0" eb="1"><x:t>ignored</x:t></x:rPh></x:si>` +
        `<x:si><x:t>2.png</x:t></x:si></x:sst>`;
      expect(readXlsx(workbook(sst, promptSheet('x:')), 'p.xlsx')).toEqual([
        { line: 1, cells: ['1 < 2.png', 'café & bar'] },
        { line: 2, cells: ['2.png', '  '] },
      ]);
    });

    it('names the part when a workbook holds XML that is not well formed', () => {
      expect(() => readXlsx(workbook('<sst><si><t>unclosed</si></sst>', promptSheet()), 'bad.xlsx')).toThrow(
        /bad\.xlsx: xl\/sharedStrings\.xml is not well-formed XML/,
      );
    });
  });
});
