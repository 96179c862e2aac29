import type { Translate } from '../i18n.js';
import type { ImportProblem } from '../members/member-import.js';

/** One import problem in the operator's language; a row's several field problems become one line. */
export function renderProblem(t: Translate, problem: Omit<ImportProblem, 'line'>): string {
  const issues = (problem.issues ?? []).map((issue) => t(issue.code, issue.params)).join(t('cli.separator'));
  return t(problem.code, { ...problem.params, issues });
}
