import type { Rng } from '@agiqa/contracts';

/** RGB of each colour a prompt can name (shapes) or use as a background. */
export const COLOURS = {
  red: [220, 40, 40],
  green: [40, 170, 70],
  blue: [40, 80, 220],
  yellow: [240, 210, 40],
  purple: [140, 60, 190],
  orange: [245, 140, 30],
  white: [245, 245, 245],
  black: [25, 25, 25],
  gray: [128, 128, 128],
} as const satisfies Record<string, readonly [number, number, number]>;
export type Colour = keyof typeof COLOURS;

export const SHAPE_COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'] as const satisfies readonly Colour[];
export const BACKGROUNDS = ['white', 'black', 'gray', 'blue', 'green', 'yellow'] as const satisfies readonly Colour[];
export const SHAPES = ['circle', 'square', 'triangle', 'star'] as const;
export type Shape = (typeof SHAPES)[number];
export const SIZES = ['', 'small', 'large'] as const;
export type Size = (typeof SIZES)[number];
export const MAX_COUNT = 5;
const COUNT_WORDS = ['one', 'two', 'three', 'four', 'five'];

/** What a prompt asks for. */
export interface SceneSpec {
  count: number;
  colour: Colour;
  shape: Shape;
  size: Size;
  background: Colour;
}

export function pick<T>(rng: Rng, values: readonly T[]): T {
  return values[rng.nextInt(values.length)];
}

/** A random scene; the shapes' colour never equals the background. */
export function randomScene(rng: Rng): SceneSpec {
  const colour = pick(rng, SHAPE_COLOURS);
  const backgrounds = BACKGROUNDS.filter((b) => b !== colour);
  return { count: 1 + rng.nextInt(MAX_COUNT), colour, shape: pick(rng, SHAPES), size: pick(rng, SIZES), background: pick(rng, backgrounds) };
}

/** "three large red circles on a blue background". */
export function promptText(scene: SceneSpec): string {
  const noun = scene.count === 1 ? scene.shape : `${scene.shape}s`;
  const words = [COUNT_WORDS[scene.count - 1], scene.size, scene.colour, noun].filter(Boolean);
  return `${words.join(' ')} on a ${scene.background} background`;
}

/**
 * The scene actually drawn when an image contradicts its prompt on `kind`: a different count,
 * shape colour (never the background's) or shape; everything else as asked.
 */
export function contradict(scene: SceneSpec, kind: 'count' | 'colour' | 'shape', rng: Rng): SceneSpec {
  if (kind === 'count') {
    const others = [1, 2, 3, 4, 5].filter((c) => c !== scene.count);
    return { ...scene, count: pick(rng, others) };
  }
  if (kind === 'colour') {
    const others = SHAPE_COLOURS.filter((c) => c !== scene.colour && c !== scene.background);
    return { ...scene, colour: pick(rng, others) };
  }
  return { ...scene, shape: pick(rng, SHAPES.filter((s) => s !== scene.shape)) };
}
