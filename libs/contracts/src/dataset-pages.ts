import { z } from 'zod';

/** `GET /api/datasets/:id/items?limit=&offset=`: items in the authors' order. */
export const DatasetItemsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0),
  })
  .strict();
export type DatasetItemsQuery = z.infer<typeof DatasetItemsQuerySchema>;

export const DatasetItemSchema = z.object({
  position: z.int(),
  key: z.string(),
  imagePath: z.string(),
  prompt: z.string(),
  generator: z.string(),
  /** label → MOS on the dataset's published scale. */
  mos: z.record(z.string(), z.number()),
});

export const DatasetItemPageSchema = z.object({ items: z.array(DatasetItemSchema), total: z.int(), limit: z.int(), offset: z.int() });
export type DatasetItemPage = z.infer<typeof DatasetItemPageSchema>;

/** MOS histogram of one label: the same bins overall and per generator. */
export const LabelHistogramSchema = z.object({
  label: z.string(),
  /** Bin edges, `bins + 1` values from the label's minimum to its maximum. */
  edges: z.array(z.number()),
  counts: z.array(z.int()),
  byGenerator: z.array(z.object({ generator: z.string(), counts: z.array(z.int()), n: z.int(), mean: z.number() })),
});

/** `GET /api/datasets/:id/mos`: the MOS distribution of each label. */
export const DatasetMosSchema = z.object({ dataset: z.string(), bins: z.int(), labels: z.array(LabelHistogramSchema) });
export type DatasetMos = z.infer<typeof DatasetMosSchema>;

/**
 * Histogram of `values` on `bins` equal bins from min to max (the last bin closed), the same
 * edges for every group so that groups stack.
 */
export function histogram(values: readonly number[], edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const low = edges[0];
  const width = (edges[bins] - low) / bins;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = width > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((v - low) / width))) : 0;
    counts[i] += 1;
  }
  return counts;
}

/** `bins + 1` equal-width edges over [min, max] of `values` (a constant label gets one unit). */
export function binEdges(values: readonly number[], bins: number): number[] {
  const finite = values.filter(Number.isFinite);
  const low = finite.length ? Math.min(...finite) : 0;
  const high = finite.length ? Math.max(...finite) : 1;
  const span = high > low ? high - low : 1;
  return Array.from({ length: bins + 1 }, (_, i) => low + (span * i) / bins);
}
