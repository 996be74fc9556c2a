import { conflict, invalidInput, type LoadedDataset, type ProblemDetail } from '@agiqa/contracts';
import type { Dataset, Prisma, PrismaClient } from '../generated/prisma/client.js';
import { isUniqueViolation } from './prisma-errors.js';

/**
 * Registers a loaded dataset whole or not at all: the Dataset row and every DatasetItem are
 * written by one statement group in one transaction (a nested `createMany`). A name already taken
 * is a `conflict`; duplicate item keys are `invalid_input` naming `items.<i>.key`.
 */
export async function registerDataset(prisma: PrismaClient, name: string, loaded: LoadedDataset): Promise<Dataset> {
  const duplicates = duplicateKeys(loaded);
  if (duplicates.length > 0) {
    throw invalidInput(`dataset ${name} lists ${duplicates.length} duplicate image keys: ${duplicates.slice(0, 5).map((d) => d.message).join('; ')}`, duplicates);
  }
  try {
    return await prisma.dataset.create({
      data: {
        name,
        format: loaded.format,
        root: loaded.root,
        contentHash: loaded.contentHash,
        itemCount: loaded.items.length,
        labels: loaded.labels,
        summary: loaded.summary as unknown as Prisma.InputJsonObject,
        items: {
          createMany: {
            data: loaded.items.map((item) => ({
              position: item.position,
              key: item.key,
              imagePath: item.imagePath,
              sourcePath: item.sourcePath ?? null,
              prompt: item.prompt,
              promptKey: item.promptKey,
              generator: item.generator,
              mos: item.mos,
              ...(item.mosStd ? { mosStd: item.mosStd } : {}),
              ...(item.image ? { imageSha256: item.image.sha256, imageSize: item.image.size, imageMtimeMs: item.image.mtimeMs } : {}),
            })),
          },
        },
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`a dataset named ${name} is already registered`);
    throw error;
  }
}

function duplicateKeys(loaded: LoadedDataset): ProblemDetail[] {
  const first = new Map<string, number>();
  const problems: ProblemDetail[] = [];
  loaded.items.forEach((item, i) => {
    const earlier = first.get(item.key);
    if (earlier === undefined) first.set(item.key, i);
    else problems.push({ path: `items.${i}.key`, message: `key "${item.key}" repeats item ${earlier}` });
  });
  return problems;
}
