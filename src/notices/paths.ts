import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (views/notices, static/, src/notices/locales), found from the compiled dist/src/notices. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
