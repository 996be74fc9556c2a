import type { DatasetFormat, DatasetItemRecord } from '@agiqa/contracts';
import type { Location, ProblemCollector } from '../validate/problems.js';

/** What a loader is given. */
export interface LoaderContext {
  /** Absolute path the user named: the dataset folder, or a file in it (data.csv, a manifest). */
  input: string;
  /** Absolute folder that item paths are relative to: `input`, or its parent when it is a file. */
  baseDir: string;
  /** Whether image files will be checked; loaders still probe folders to choose image paths. */
  checkImages: boolean;
  problems: ProblemCollector;
}

/** An item with the place it was read from, so later checks (duplicates, images) can name it. */
export interface LoadedItem extends DatasetItemRecord {
  origin: Location;
}

export interface LoaderOutput {
  items: LoadedItem[];
  /** MOS labels in a fixed order (`quality` first where present). */
  labels: string[];
  /** Folder (relative to the base) of split lists shipped with the dataset, when declared. */
  splitDir?: string;
}

/**
 * One on-disk dataset layout. Loaders never throw for bad data: they add every problem to
 * `ctx.problems` (with file, line and field) and return what they could read, so `validate`
 * reports everything at once. Checks common to all formats (duplicate keys, image files) run
 * after the loader, in `validate/`.
 */
export interface DatasetLoader {
  format: DatasetFormat;
  /** One line for `--help` and error messages. */
  description: string;
  load(ctx: LoaderContext): Promise<LoaderOutput>;
}
