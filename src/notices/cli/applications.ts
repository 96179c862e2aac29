import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { createApplicationService } from '../domain/application-service.js';
import { APPLICATION_STATUSES, type Application, type ApplicationStatus } from '../domain/records.js';
import { BadRequest, NotFound } from '../errors.js';
import { fields, run, table, withJson, type JsonFlag } from './output.js';

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

export function registerApplications(program: Command): void {
  const applications = program.command('applications').description('インフルエンザ予防接種補助申請: list, inspect and decide the members\' applications');

  withJson(
    applications
      .command('list')
      .description('submitted applications, oldest first')
      .addOption(new Option('--status <status>', 'only those with this status').choices(APPLICATION_STATUSES)),
  ).action(async (flags: JsonFlag & { status?: ApplicationStatus }) => {
    await run(flags, async (db) => {
      const list = await service(db).list({ status: flags.status });
      return {
        json: list.map(describe),
        text: list.length
          ? table(
              ['id', 'status', 'symbol-number', 'person', 'vaccinated', 'paid', 'subsidy', 'submitted'],
              list.map((a) => [a.id, a.status, `${a.insurerSymbol}-${a.insuredNumber}-${a.branchNumber}`, a.personName, a.vaccinatedOn, a.amountPaid, a.subsidyAmount, a.submittedAt]),
            )
          : 'no applications',
      };
    });
  });

  withJson(applications.command('show').description('one application').argument('<id>')).action(async (id: string, flags: JsonFlag) => {
    await run(flags, async (db) => {
      const found = await service(db).find(id);
      if (!found) throw new NotFound('cli.no_application', `no application with id ${id}`);
      return { json: describe(found), text: fields(describe(found)) };
    });
  });

  withJson(
    applications
      .command('receipt')
      .description('save the receipt the member uploaded, to look at before deciding')
      .argument('<id>')
      .requiredOption('--out <file>', 'where to write it'),
  ).action(async (id: string, flags: JsonFlag & { out: string }) => {
    await run(flags, async (db) => {
      const receipt = await service(db).receiptById(id);
      if (!receipt) throw new NotFound('cli.no_application', `no application with id ${id}`);
      writeFileSync(flags.out, receipt.data);
      return { json: { id, file: flags.out, type: receipt.type, bytes: receipt.data.length }, text: `wrote ${receipt.data.length} bytes (${receipt.type}) to ${flags.out}` };
    });
  });

  withJson(
    applications
      .command('decide')
      .description('approve with the subsidy amount, or reject with a reason; the member sees the decision')
      .argument('<id>')
      .option('--approve <amount>', 'approve, paying this many yen (at most what the member paid)')
      .option('--reject <reason>', 'reject, with a reason the member will read'),
  ).action(async (id: string, flags: JsonFlag & { approve?: string; reject?: string }) => {
    await run(flags, async (db) => {
      if ((flags.approve === undefined) === (flags.reject === undefined)) throw new BadRequest('cli.decision', 'give exactly one of --approve AMOUNT or --reject REASON');
      if (flags.approve !== undefined && !/^\d{1,7}$/.test(flags.approve)) throw new BadRequest('cli.amount', `--approve must be a whole number of yen (got ${JSON.stringify(flags.approve)})`);
      const decided = await service(db).decide(id, flags.approve !== undefined ? { approve: Number(flags.approve) } : { reject: flags.reject! });
      return {
        json: describe(decided),
        text: decided.status === 'approved' ? `approved ${id}: subsidy ${decided.subsidyAmount} yen` : `rejected ${id}: ${decided.rejectReason}`,
      };
    });
  });
}
