/**
 * The one pagination convention of the HTTP API, for every list that can grow (a sweep's cells,
 * runs, a run's epochs, its predictions):
 *
 * - Query: `limit` (1 … the endpoint's maximum, default per endpoint) and `offset` (items to skip,
 *   default 0). A value out of range is a 400 naming `limit` or `offset` and the bound.
 * - Response: `{ items, total, limit, offset }`; `total` counts every item that matches the
 *   filters, so the next page starts at `offset + items.length` while that is `< total`
 *   (`nextPageOffset`).
 * - Order: every endpoint documents a total order that ends in a unique key (a sweep's cells by
 *   `cellKey`, epochs by `epoch`, predictions by the item's dataset position), so pages never
 *   overlap or skip an item of a list that does not change meanwhile.
 *
 * Offsets rather than opaque cursors: the dashboard's tables jump to any page and sort by any
 * column, and the lists above are fixed or append at their end in their documented order.
 */
import { z } from 'zod';

/** The largest `offset` accepted (Postgres' int4; Prisma's `skip`). */
export const MAX_PAGE_OFFSET = 2 ** 31 - 1;

/** How many items one page of a list may hold. */
export interface PageLimits {
  /** `limit` when the request gives none. */
  defaultLimit: number;
  /** The largest `limit` accepted. */
  maxLimit: number;
}

/** `limit` and `offset` as a query string carries them (hence coercion). */
export function pageQueryShape({ defaultLimit, maxLimit }: PageLimits) {
  return {
    limit: z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(maxLimit, `at most ${maxLimit} items per page`)
      .default(defaultLimit),
    offset: z.coerce
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(MAX_PAGE_OFFSET, `at most ${MAX_PAGE_OFFSET}`)
      .default(0),
  };
}

/** The query of a plain paginated list (no filters). */
export function pageQuerySchema(limits: PageLimits) {
  return z.object(pageQueryShape(limits)).strict();
}

/** The response envelope of a paginated list of `item`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    /** Items matching the request's filters, over all pages. */
    total: z.int(),
    limit: z.int(),
    offset: z.int(),
  });
}

/** One page of a list. */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Where the next page starts, or null on the last page. */
export function nextPageOffset(page: Pick<Page<unknown>, 'items' | 'total' | 'offset'>): number | null {
  const next = page.offset + page.items.length;
  return page.items.length > 0 && next < page.total ? next : null;
}

/**
 * Every item of a list, fetched page after page from offset 0. `maxItems` bounds what a client is
 * willing to hold: past it the remaining pages are not fetched and `complete` is false.
 */
export async function collectPages<T>(
  fetchPage: (offset: number) => Promise<Page<T>>,
  maxItems = Number.POSITIVE_INFINITY,
): Promise<{ items: T[]; total: number; complete: boolean }> {
  const items: T[] = [];
  let offset: number | null = 0;
  let total = 0;
  while (offset !== null && items.length < maxItems) {
    const page: Page<T> = await fetchPage(offset);
    items.push(...page.items);
    total = page.total;
    offset = nextPageOffset(page);
  }
  return { items: items.slice(0, maxItems), total, complete: offset === null && items.length <= maxItems };
}
