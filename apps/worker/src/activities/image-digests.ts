import { resolve } from 'node:path';
import { currentImageDigests, datasetBaseDir } from '@agiqa/data';
import { imageDatasetHash } from '@agiqa/model';
import type { ActivityDeps } from './deps.js';

/** Rows updated per statement when digests are stored: short statements, so that other clients interleave. */
const UPDATE_BATCH = 250;

/** A dataset's images as an image feature set is keyed and extracted: paths, digests and their hash. */
export interface DatasetImages {
  /** Dataset order (`position`). */
  images: { key: string; path: string; sha256: string }[];
  /** The `datasetHash` of the image feature key (`imageDatasetHash`). */
  datasetHash: string;
}

/**
 * The current content of a dataset's images. Digests taken at registration (or by an earlier run)
 * are reused while a file's size and mtime match; a changed or never-hashed file is hashed again and
 * its digest stored, so a changed image changes the image feature key and is extracted again.
 */
export async function datasetImages(
  prisma: ActivityDeps['prisma'],
  dataset: { id: string; root: string; contentHash: string },
): Promise<DatasetImages> {
  const rows = await prisma.datasetItem.findMany({
    where: { datasetId: dataset.id },
    orderBy: { position: 'asc' },
    select: { id: true, key: true, imagePath: true, imageSha256: true, imageSize: true, imageMtimeMs: true },
  });
  const base = await datasetBaseDir(dataset.root);
  const recorded = rows.map((row) => ({
    imagePath: row.imagePath,
    digest: row.imageSha256 !== null && row.imageSize !== null && row.imageMtimeMs !== null ? { sha256: row.imageSha256, size: row.imageSize, mtimeMs: row.imageMtimeMs } : null,
  }));
  const { digests, hashed } = await currentImageDigests(base, recorded);
  for (let start = 0; start < hashed.length; start += UPDATE_BATCH) {
    await prisma.$transaction(
      hashed.slice(start, start + UPDATE_BATCH).map((i) =>
        prisma.datasetItem.update({
          where: { id: rows[i].id },
          data: { imageSha256: digests[i].sha256, imageSize: digests[i].size, imageMtimeMs: digests[i].mtimeMs },
        }),
      ),
    );
  }
  const images = rows.map((row, i) => ({ key: row.key, path: resolve(base, row.imagePath), sha256: digests[i].sha256 }));
  return { images, datasetHash: imageDatasetHash(dataset.contentHash, images) };
}
