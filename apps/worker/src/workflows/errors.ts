/**
 * The innermost message of a Temporal failure chain (ChildWorkflowFailure → ActivityFailure →
 * ApplicationFailure): the one that says what went wrong, e.g. `invalid grid: epochs: …`.
 */
export function describeError(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
