import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidInput } from '../errors.js';
import type { Cli, JsonFlag } from './output.js';

async function readText(path: string, lang: 'ja' | 'en'): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new InvalidInput(`errors.terms_file.${lang}`, `cannot read the ${lang === 'ja' ? 'Japanese' : 'English'} text from ${path}`, { file: path });
  }
}

export function registerTerms(program: Command, cli: Cli): void {
  const { t } = cli;
  const terms = program.command('terms').description(t('terms.description'));

  cli.withJson(
    terms
      .command('publish')
      .description(t('terms.publish.description'))
      .requiredOption('--version <version>', t('terms.publish.version'))
      .requiredOption('--ja <file>', t('terms.publish.ja'))
      .requiredOption('--en <file>', t('terms.publish.en')),
  ).action((flags: JsonFlag & { version: string; ja: string; en: string }) =>
    cli.run(flags, async (services) => {
      const [ja, en] = await Promise.all([readText(flags.ja, 'ja'), readText(flags.en, 'en')]);
      const published = await services.terms.publish(flags.version, ja, en);
      const json = { version: published.version, text_hash: published.textHash, published_at: published.publishedAt };
      return { json, text: `${cli.fields(json)}\n${t('terms.publish.done')}` };
    }),
  );

  cli.withJson(terms.command('show').description(t('terms.show.description'))).action((flags: JsonFlag) =>
    cli.run(flags, async (services) => {
      const current = await services.terms.current();
      const json = current ? { version: current.version, text_hash: current.textHash, published_at: current.publishedAt } : null;
      return { json, text: json ? cli.fields(json) : t('terms.none') };
    }),
  );
}
