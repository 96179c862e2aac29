import type { Journey } from './context.js';
import { REGISTRATION_STEPS, SECOND_FACTOR_STEPS, type Step } from './journey.js';

export interface IndicatorEntry {
  /** Locale key of the entry's name. */
  label: string;
  state: 'done' | 'current' | 'todo';
}

/**
 * The step indicator of first registration, derived from journey.ts: its steps, then the
 * second factor (the authenticator or passkey and the recovery codes). Null on pages that
 * are not part of first registration (a later login, a new authenticator after a recovery code).
 */
export function stepIndicator(journey: Journey, current: Step): IndicatorEntry[] | null {
  const secondFactor = SECOND_FACTOR_STEPS.includes(current);
  if (secondFactor ? journey.progress?.wasRegistered !== false : !REGISTRATION_STEPS.includes(current)) return null;
  const entries = [...REGISTRATION_STEPS.map((step) => `steps.${step}`), 'journey.steps.second_factor'];
  const at = secondFactor ? entries.length - 1 : REGISTRATION_STEPS.indexOf(current);
  return entries.map((label, i) => ({ label, state: i < at ? 'done' : i === at ? 'current' : 'todo' }));
}
