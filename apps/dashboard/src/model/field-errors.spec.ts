import { describe, expect, it } from 'vitest';
import { mapFieldErrors } from './field-errors.js';

const fields = ['encoders', 'seeds', 'split.train', 'split.val', 'grid.encoders', 'name'];

describe(mapFieldErrors.name, () => {
  it('places a list item problem on its list field and names the item', () => {
    const { byField } = mapFieldErrors([{ path: 'encoders.0', message: 'Invalid option' }], fields);
    expect(byField.get('encoders')).toEqual(['item 1: Invalid option']);
  });

  it('places a nested problem on the nested field', () => {
    const { byField } = mapFieldErrors([{ path: 'split.val', message: 'train + val must leave a test share' }], fields);
    expect(byField.get('split.val')).toEqual(['train + val must leave a test share']);
  });

  it('prefers the longest matching field path', () => {
    const { byField } = mapFieldErrors([{ path: 'grid.encoders', message: 'must list at least one value' }], [...fields, 'grid']);
    expect(byField.get('grid.encoders')).toEqual(['must list at least one value']);
    expect(byField.has('grid')).toBe(false);
  });

  it('does not match on a partial segment', () => {
    const { byField, general } = mapFieldErrors([{ path: 'names', message: 'x' }], fields);
    expect(byField.size).toBe(0);
    expect(general).toEqual([{ path: 'names', message: 'x' }]);
  });

  it('keeps root-level and file:line problems as general problems', () => {
    const details = [
      { path: '(root)', message: 'Unrecognized key: "foo"' },
      { path: 'data.csv:12:mos_quality', message: 'not a number' },
    ];
    expect(mapFieldErrors(details, fields).general).toEqual(details);
  });

  it('gathers several problems on one field', () => {
    const { byField } = mapFieldErrors(
      [
        { path: 'seeds.0', message: 'a' },
        { path: 'seeds.2', message: 'b' },
      ],
      fields,
    );
    expect(byField.get('seeds')).toEqual(['item 1: a', 'item 3: b']);
  });

  it('accepts missing details', () => {
    expect(mapFieldErrors(undefined, fields).general).toEqual([]);
  });
});
