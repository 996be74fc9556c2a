import { conflict, type SplitManifestRecord } from '@agiqa/contracts';
import type { Prisma, PrismaClient, SplitManifest } from '../generated/prisma/client.js';
import { isUniqueViolation } from './prisma-errors.js';

/**
 * Stores a materialised split once per (dataset, unit, ratios, seed, repeat) and returns the
 * row; saving the same split again (another cell, a retried activity, a concurrent worker)
 * returns the stored row. A split recomputed with a different hash is a `conflict`: runs already
 * point at the stored one, and silently replacing it would change what they were trained on.
 */
export async function saveSplitManifest(
  prisma: PrismaClient | Prisma.TransactionClient,
  datasetId: string,
  manifest: SplitManifestRecord,
): Promise<SplitManifest> {
  const spec = {
    datasetId,
    unit: manifest.unit,
    trainRatio: manifest.trainRatio,
    valRatio: manifest.valRatio,
    seed: manifest.seed,
    repeat: manifest.repeat,
  };
  const existing = await prisma.splitManifest.findUnique({ where: { datasetId_unit_trainRatio_valRatio_seed_repeat: spec } });
  if (existing) return sameHashOrThrow(existing, manifest);
  try {
    return await prisma.splitManifest.create({
      data: { ...spec, trainKeys: manifest.trainKeys, valKeys: manifest.valKeys, testKeys: manifest.testKeys, hash: manifest.hash },
    });
  } catch (error) {
    // Another writer stored it between our read and write: theirs stands if it is the same split.
    if (!isUniqueViolation(error)) throw error;
    const stored = await prisma.splitManifest.findUniqueOrThrow({ where: { datasetId_unit_trainRatio_valRatio_seed_repeat: spec } });
    return sameHashOrThrow(stored, manifest);
  }
}

function sameHashOrThrow(stored: SplitManifest, manifest: SplitManifestRecord): SplitManifest {
  if (stored.hash === manifest.hash) return stored;
  throw conflict(
    `split (${manifest.unit}, train ${manifest.trainRatio}, val ${manifest.valRatio}, seed ${manifest.seed}, repeat ${manifest.repeat}) ` +
      `of dataset ${stored.datasetId} is stored with hash ${stored.hash} but was recomputed as ${manifest.hash}: ` +
      'the dataset content or the split algorithm changed',
  );
}
