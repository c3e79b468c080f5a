import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder holding llmbatch's package.json, found upward from `start`: bundles
 * land at different depths under dist/, so a fixed `../..` would be wrong somewhere.
 */
export function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'llmbatch') return dir;
    if (dirname(dir) === dir) throw new Error(`no llmbatch package.json above ${start}`);
  }
}
