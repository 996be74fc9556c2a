import { describe, expect, it } from 'vitest';
import { collectPages, MAX_PAGE_OFFSET, nextPageOffset, pageQuerySchema, type Page } from './pagination.js';
import { parseOrThrow } from './validation.js';
import type { AgiqaError } from './errors.js';

const query = pageQuerySchema({ defaultLimit: 10, maxLimit: 50 });

/** A list of `n` numbers served `limit` at a time, recording the offsets asked for. */
function pagedList(n: number, limit: number) {
  const asked: number[] = [];
  const fetchPage = async (offset: number): Promise<Page<number>> => {
    asked.push(offset);
    const items = Array.from({ length: Math.max(0, Math.min(limit, n - offset)) }, (_, i) => offset + i);
    return { items, total: n, limit, offset };
  };
  return { asked, fetchPage };
}

describe('pageQuerySchema', () => {
  it('applies the endpoint defaults and coerces query strings', () => {
    expect(query.parse({})).toEqual({ limit: 10, offset: 0 });
    expect(query.parse({ limit: '50', offset: '7' })).toEqual({ limit: 50, offset: 7 });
  });

  it('refuses a limit or offset out of range, naming the parameter and the bound', () => {
    for (const [input, path] of [
      [{ limit: '51' }, 'limit'],
      [{ limit: '0' }, 'limit'],
      [{ limit: '2.5' }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ limit: ['1', '2'] }, 'limit'],
      [{ offset: '-1' }, 'offset'],
      [{ offset: String(MAX_PAGE_OFFSET + 1) }, 'offset'],
      [{ cursor: 'x' }, '(root)'],
    ] as const) {
      let error: AgiqaError | undefined;
      try {
        parseOrThrow(query, input, 'query string');
      } catch (caught) {
        error = caught as AgiqaError;
      }
      expect(error?.details.map((d) => d.path), JSON.stringify(input)).toEqual([path]);
    }
    expect(() => parseOrThrow(query, { limit: '51' }, 'query')).toThrow(/at most 50 items per page/);
  });
});

describe(nextPageOffset.name, () => {
  it('points after the page while items remain, null on the last or an empty page', () => {
    expect(nextPageOffset({ items: [1, 2], total: 5, offset: 0 })).toBe(2);
    expect(nextPageOffset({ items: [5], total: 5, offset: 4 })).toBeNull();
    // An offset past the end answers an empty page: no endless loop on a list that shrank.
    expect(nextPageOffset({ items: [], total: 5, offset: 10 })).toBeNull();
  });
});

describe(collectPages.name, () => {
  it('fetches every page in order', async () => {
    const list = pagedList(7, 3);
    const all = await collectPages(list.fetchPage);
    expect(all).toEqual({ items: [0, 1, 2, 3, 4, 5, 6], total: 7, complete: true });
    expect(list.asked).toEqual([0, 3, 6]);
  });

  it('stops at maxItems and says the list is incomplete', async () => {
    const list = pagedList(10, 3);
    const some = await collectPages(list.fetchPage, 5);
    expect(some).toEqual({ items: [0, 1, 2, 3, 4], total: 10, complete: false });
    expect(list.asked).toEqual([0, 3]);
  });

  it('returns an empty, complete list for an empty one', async () => {
    expect(await collectPages(pagedList(0, 3).fetchPage)).toEqual({ items: [], total: 0, complete: true });
  });
});
