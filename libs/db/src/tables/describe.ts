import type { Exclusions, InProgressMode, PlccVariant, Selection } from '@agiqa/contracts';

/*
 * The words that travel with every table: how its setting was chosen, what was left out, which
 * PLCC it shows. Exports print them as the caption, so a copied table says how it was made.
 */

const RULE_WORDS: Record<Selection['rule'], string> = {
  'paper-protocol': "the paper's protocol (the default grid)",
  latest: "the latest completed run's setting (no run follows the paper's protocol)",
  setting: 'the setting asked for',
  sweep: 'one sweep',
};

/** `setting …, chosen by …` for a caption. */
export function selectionWords(selection: Selection): string {
  if (!selection.setting) return 'no measured setting';
  const sweep = selection.sweep ? `sweep ${selection.sweep.name ? `"${selection.sweep.name}" ` : ''}${selection.sweep.id}` : null;
  return `setting ${selection.setting.id} (${selection.setting.summary}), chosen: ${sweep ?? RULE_WORDS[selection.rule]}`;
}

export function plccWords(plcc: PlccVariant): string {
  return plcc === 'logistic' ? 'PLCC after the 4-parameter logistic fit' : 'PLCC raw (no logistic fit)';
}

/** `n = 3` or `n = 2–5` over the figures' replicate counts; null when there are none. */
export function nWords(counts: number[]): string | null {
  if (counts.length === 0) return null;
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  return min === max ? `n = ${min}` : `n = ${min}–${max}`;
}

/** Notes about what the aggregation left out, and what the reader can ask for instead. */
export function exclusionNotes(excluded: Exclusions, selection: Selection | null, inProgress: InProgressMode): string[] {
  const notes: string[] = [];
  if (excluded.duplicates > 0) notes.push(`${excluded.duplicates} run(s) repeated a replicate already counted (same setting, seed and split): the newest of each counts once.`);
  if (excluded.inProgress > 0) notes.push(`${excluded.inProgress} completed run(s) of sweeps still in progress are left out (inProgress=include shows them, marked).`);
  if (excluded.nonFinite > 0) notes.push(`${excluded.nonFinite} replicate(s) without finite metrics are left out.`);
  if (inProgress === 'include') notes.push('Runs of sweeps still in progress are included; figures that use them are marked.');
  if (selection && selection.otherSettings > 0) {
    notes.push(`${selection.otherSettings} other setting(s) have completed runs here: pick one with ?setting= or ?sweep= (GET /api/tables/settings lists them).`);
  }
  if (selection?.rule === 'paper-protocol' && !selection.setting) {
    notes.push("No completed run follows the paper's protocol (the default grid) here: measured rows appear once one does, or pick a setting with ?setting= / ?sweep=.");
  }
  return notes;
}
