import type { MethodName, ReportRule } from '@agiqa/contracts';
import type { $Enums } from './generated/prisma/client.js';

/**
 * Contracts name report rules `best-on-val`; Prisma enum members must be identifiers, so the
 * schema names them `best_on_val` and maps them to the contracts spelling in the database
 * (`@map("best-on-val")`). The client speaks Prisma's spelling; convert at the boundary.
 */
const REPORT_RULE_TO_DB = {
  last: 'last',
  'best-on-val': 'best_on_val',
  'best-on-test': 'best_on_test',
} as const satisfies Record<ReportRule, $Enums.ReportRule>;

const REPORT_RULE_FROM_DB = {
  last: 'last',
  best_on_val: 'best-on-val',
  best_on_test: 'best-on-test',
} as const satisfies Record<$Enums.ReportRule, ReportRule>;

/** `'best-on-val'` → `'best_on_val'` (what a Prisma query takes). */
export function toDbReportRule(rule: ReportRule): $Enums.ReportRule {
  return REPORT_RULE_TO_DB[rule];
}

/** `'best_on_val'` → `'best-on-val'` (what contracts and the API speak). */
export function fromDbReportRule(rule: $Enums.ReportRule): ReportRule {
  return REPORT_RULE_FROM_DB[rule];
}

const METHOD_TO_DB = { 'fusion-head': 'fusion_head', 'clip-iqa': 'clip_iqa' } as const satisfies Record<MethodName, $Enums.RunMethod>;
const METHOD_FROM_DB = { fusion_head: 'fusion-head', clip_iqa: 'clip-iqa' } as const satisfies Record<$Enums.RunMethod, MethodName>;

/** `'clip-iqa'` → `'clip_iqa'` (what a Prisma query takes). */
export function toDbMethod(method: MethodName): $Enums.RunMethod {
  return METHOD_TO_DB[method];
}

/** `'clip_iqa'` → `'clip-iqa'` (what contracts and the API speak). */
export function fromDbMethod(method: $Enums.RunMethod): MethodName {
  return METHOD_FROM_DB[method];
}

// Every other enum is spelled alike on both sides; these fail to compile when one side changes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type _EnumsAgree = [
  Assert<Same<$Enums.RunStatus, import('@agiqa/contracts').RunStatus>>,
  Assert<Same<$Enums.SweepStatus, import('@agiqa/contracts').SweepStatus>>,
  Assert<Same<$Enums.TrainingMode, import('@agiqa/contracts').TrainingMode>>,
  Assert<Same<$Enums.DatasetFormat, import('@agiqa/contracts').DatasetFormat>>,
  Assert<Same<$Enums.SplitUnit, import('@agiqa/contracts').SplitUnit>>,
  Assert<Same<$Enums.OverlapPolicy, (typeof import('@agiqa/contracts').SCHEDULE_OVERLAP_POLICIES)[number]>>,
];
