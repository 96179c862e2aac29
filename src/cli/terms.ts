import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidInput } from '../errors.js';
import { fields, run, withJson, type JsonFlag } from './output.js';

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new InvalidInput('errors.terms_text', `cannot read the ${what} text from ${path}`);
  }
}

export function registerTerms(program: Command): void {
  const terms = program.command('terms').description('terms of use (利用規約) members accept at login');

  withJson(
    terms
      .command('publish')
      .description('publish a new version; every member accepts it at their next login')
      .requiredOption('--version <version>', 'version name, e.g. 2026-04')
      .requiredOption('--ja <file>', 'the Japanese text (UTF-8)')
      .requiredOption('--en <file>', 'the English text (UTF-8)'),
  ).action((flags: JsonFlag & { version: string; ja: string; en: string }) =>
    run(flags, async (services) => {
      const [ja, en] = await Promise.all([readText(flags.ja, 'Japanese'), readText(flags.en, 'English')]);
      const published = await services.terms.publish(flags.version, ja, en);
      const json = { version: published.version, text_hash: published.textHash, published_at: published.publishedAt };
      return { json, text: fields(json) };
    }),
  );

  withJson(terms.command('show').description('the version in force')).action((flags: JsonFlag) =>
    run(flags, async (services) => {
      const current = await services.terms.current();
      const json = current ? { version: current.version, text_hash: current.textHash, published_at: current.publishedAt } : null;
      return { json, text: json ? fields(json) : 'no terms published yet' };
    }),
  );
}
