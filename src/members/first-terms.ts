import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Terms } from '../db/terms-store.js';
import { projectRoot } from '../paths.js';
import type { TermsService } from './terms-service.js';

/** The version name of the terms shipped in resources/terms/; `kenpo terms publish` replaces them. */
export const FIRST_TERMS_VERSION = '1';

/**
 * Installs the society's first terms (seed 2-4) from the files shipped with the product when
 * none are published. Run by every migration (the server's start-up and `kenpo migrate`).
 */
export async function installFirstTerms(terms: TermsService, dir = join(projectRoot, 'resources/terms')): Promise<Terms | undefined> {
  if (await terms.current()) return undefined;
  const [ja, en] = await Promise.all(['ja', 'en'].map((lang) => readFile(join(dir, `v${FIRST_TERMS_VERSION}.${lang}.txt`), 'utf8')));
  return terms.installFirst(FIRST_TERMS_VERSION, ja!, en!);
}
