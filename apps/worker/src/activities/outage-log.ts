import { RETRY_BUDGET } from '@agiqa/contracts';

/**
 * What a worker says about an outage of a dependency (the database, the artefact store): one
 * line when activities start failing with transient errors, one when they succeed again, with
 * how long it lasted. Activities keep retrying meanwhile (RETRY_BUDGET); a cell waiting for the
 * database is not a failed cell, and the log is where an operator sees why it waits.
 */
export class OutageLog {
  private since: number | null = null;
  private failures = 0;

  constructor(
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** An activity failed with a transient error (`reason` names the activity and the error). */
  failed(reason: string): void {
    this.failures += 1;
    if (this.since !== null) return;
    this.since = this.now();
    this.log(`outage: ${reason}; activities are retried with backoff for up to ${RETRY_BUDGET.totalMs / 60_000} minutes`);
  }

  /** An activity succeeded: closes an open outage. */
  succeeded(): void {
    if (this.since === null) return;
    const seconds = Math.round((this.now() - this.since) / 100) / 10;
    this.log(`outage over after ${seconds} s (${this.failures} transient failure(s) retried)`);
    this.since = null;
    this.failures = 0;
  }

  /** Whether an outage is open, and since when (ms since the epoch). */
  current(): { since: number; failures: number } | null {
    return this.since === null ? null : { since: this.since, failures: this.failures };
  }
}
