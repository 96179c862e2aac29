import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createApplicationService } from '../domain/application-service.js';
import { APPLICATION_STATUSES, type Application, type ApplicationStatus } from '../domain/records.js';
import { BadRequest, NotFound } from '../errors.js';
import type { Cli, JsonFlag } from './output.js';

/** What the operator sees of an application (the receipt itself comes with `applications receipt`). */
function describe(a: Application) {
  return {
    id: a.id,
    status: a.status,
    insurer_symbol: a.insurerSymbol,
    insured_number: a.insuredNumber,
    branch_number: a.branchNumber,
    person_name: a.personName,
    vaccinated_on: a.vaccinatedOn,
    clinic: a.clinic,
    amount_paid: a.amountPaid,
    subsidy_amount: a.subsidyAmount,
    reject_reason: a.rejectReason,
    receipt: `${a.receiptName} (${a.receiptType}, ${a.receiptSize} bytes)`,
    submitted_at: a.submittedAt,
    decided_at: a.decidedAt,
  };
}

const service = (db: Parameters<typeof createApplicationService>[0]) => createApplicationService(db, { receiptMaxBytes: Number.MAX_SAFE_INTEGER });

export function registerApplications(program: Command, cli: Cli): void {
  const { t, fields, table } = cli;
  const applications = program.command('applications').description(t('applications.description'));

  cli.withJson(
    applications
      .command('list')
      .description(t('applications.list.description'))
      .addOption(new Option('--status <status>', t('applications.list.status')).choices(APPLICATION_STATUSES)),
  ).action(async (flags: JsonFlag & { status?: ApplicationStatus }) => {
    await cli.run(flags, async (db) => {
      const list = await service(db).list({ status: flags.status });
      return {
        json: list.map(describe),
        text: list.length
          ? table(
              ['id', 'status', 'symbol-number', 'person', 'vaccinated', 'paid', 'subsidy', 'submitted'],
              list.map((a) => [a.id, t(`status.${a.status}`), `${a.insurerSymbol}-${a.insuredNumber}-${a.branchNumber}`, a.personName, a.vaccinatedOn, a.amountPaid, a.subsidyAmount, a.submittedAt]),
            )
          : t('applications.none'),
      };
    });
  });

  cli.withJson(applications.command('show').description(t('applications.show.description')).argument('<id>')).action(async (id: string, flags: JsonFlag) => {
    await cli.run(flags, async (db) => {
      const found = await service(db).find(id);
      if (!found) throw new NotFound('cli.no_application', `no application with id ${id}`, { id });
      return { json: describe(found), text: fields({ ...describe(found), status: t(`status.${found.status}`) }) };
    });
  });

  cli.withJson(
    applications
      .command('receipt')
      .description(t('applications.receipt.description'))
      .argument('<id>')
      .requiredOption('--out <file>', t('applications.receipt.out')),
  ).action(async (id: string, flags: JsonFlag & { out: string }) => {
    await cli.run(flags, async (db) => {
      const receipt = await service(db).receiptById(id);
      if (!receipt) throw new NotFound('cli.no_application', `no application with id ${id}`, { id });
      writeFileSync(flags.out, receipt.data);
      return { json: { id, file: flags.out, type: receipt.type, bytes: receipt.data.length }, text: t('applications.receipt.done', { bytes: receipt.data.length, type: receipt.type, file: flags.out }) };
    });
  });

  cli.withJson(
    applications
      .command('decide')
      .description(t('applications.decide.description'))
      .argument('<id>')
      .option('--approve <amount>', t('applications.decide.approve'))
      .option('--reject <reason>', t('applications.decide.reject')),
  ).action(async (id: string, flags: JsonFlag & { approve?: string; reject?: string }) => {
    await cli.run(flags, async (db) => {
      if ((flags.approve === undefined) === (flags.reject === undefined)) throw new BadRequest('cli.decision', 'give exactly one of --approve AMOUNT or --reject REASON');
      if (flags.approve !== undefined && !/^\d{1,7}$/.test(flags.approve)) throw new BadRequest('cli.amount_format', `--approve must be a whole number of yen (got ${JSON.stringify(flags.approve)})`, { got: JSON.stringify(flags.approve) });
      const decided = await service(db).decide(id, flags.approve !== undefined ? { approve: Number(flags.approve) } : { reject: flags.reject! });
      return {
        json: describe(decided),
        text: decided.status === 'approved' ? t('applications.decide.approved', { id, amount: decided.subsidyAmount ?? 0 }) : t('applications.decide.rejected', { id, reason: decided.rejectReason ?? '' }),
      };
    });
  });
}
