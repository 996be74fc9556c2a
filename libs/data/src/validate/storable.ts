import { unstorableIndexedTextProblem, unstorableTextProblem } from '@agiqa/contracts';
import type { LoadedItem } from '../loaders/types.js';
import type { ProblemCollector } from './problems.js';

/** An item's text fields, by the field name a problem is reported under; `key` is indexed. */
const TEXT_FIELDS = ['key', 'imagePath', 'sourcePath', 'prompt', 'promptKey', 'generator'] as const;

/**
 * Adds a problem for every text of `items` the database cannot store (a NUL character, a lone
 * surrogate, an image key too long for its index) and every MOS that is not a finite number, at
 * the item's own location: what validates must also register.
 */
export function checkStorable(items: readonly LoadedItem[], problems: ProblemCollector): void {
  for (const item of items) {
    const checked = new Set<string>();
    for (const field of TEXT_FIELDS) {
      const text = item[field];
      // A field derived from another (a prompt key that is the prompt) is reported once.
      if (text === undefined || checked.has(text)) continue;
      checked.add(text);
      const problem = field === 'key' ? unstorableIndexedTextProblem(text) : unstorableTextProblem(text);
      if (problem) problems.add({ ...item.origin, field }, `${field} has ${problem}; the database cannot store it`);
    }
    for (const [label, value] of [...Object.entries(item.mos), ...Object.entries(item.mosStd ?? {})]) {
      if (!Number.isFinite(value)) problems.add({ ...item.origin, field: label }, `${label} is ${value}, not a finite number`);
    }
  }
}
