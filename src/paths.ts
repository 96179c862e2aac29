import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (views/, locales/), whether running from src via dist/src or elsewhere. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
