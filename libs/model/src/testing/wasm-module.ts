import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

/**
 * The generated TypeScript module of a hand-written WebAssembly kernel: `wat` (WebAssembly text)
 * assembled by wabt, its bytes as the base64 constant `constName`. A spec compares it with the
 * committed file (`toMatchFileSnapshot`; `-u` regenerates it), so the two cannot disagree.
 *
 * @param spec the comparing spec, relative to libs/model (`src/kernels/adam.spec.ts`)
 */
export async function wasmModuleSource(wat: URL, constName: string, spec: string): Promise<string> {
  const wabt = await wabtInit();
  const name = basename(fileURLToPath(wat));
  const module = wabt.parseWat(name, await readFile(wat, 'utf8'));
  module.validate();
  const { buffer } = module.toBinary({});
  module.destroy();
  const lines = Buffer.from(buffer).toString('base64').match(/.{1,96}/g) ?? [];
  return [
    `// Generated from ${name} by wabt (in libs/model: npx vitest run ${spec.replace(/\.spec\.ts$/, '')} -u). Do not edit:`,
    `// ${basename(spec)} fails when this file and ${name} disagree.`,
    `export const ${constName} = [`,
    ...lines.map((line) => `  '${line}',`),
    "].join('');",
    '',
  ].join('\n');
}
