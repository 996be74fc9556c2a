import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Picks the folder (among `candidates`, relative to `baseDir`, `''` = the base itself) that holds
 * the most of `names`. Peers keep the same dataset under different folder names (`img/`,
 * `image/`, `all/`, beside the CSV…); this reads the layout that is there instead of demanding one.
 * With no candidate present (images not downloaded, `--no-images`) the first candidate is used.
 */
export async function chooseImageDir(baseDir: string, candidates: readonly string[], names: readonly string[]): Promise<string> {
  let best = candidates[0];
  let bestHits = 0;
  for (const dir of candidates) {
    let entries: Set<string>;
    try {
      entries = new Set(await readdir(path.join(baseDir, dir)));
    } catch {
      continue;
    }
    let hits = 0;
    for (const name of names) if (entries.has(name)) hits++;
    if (hits > bestHits) {
      best = dir;
      bestHits = hits;
    }
  }
  return best;
}

/** `dir` + `/` + `name`, without a leading slash when `dir` is the base itself. */
export function joinRel(dir: string, name: string): string {
  return dir === '' || dir === '.' ? name : `${dir.replace(/\/+$/, '')}/${name}`;
}
