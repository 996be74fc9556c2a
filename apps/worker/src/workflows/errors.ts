/** The innermost cause of an error chain (ChildWorkflowFailure → ActivityFailure → ApplicationFailure). */
export function innermostCause(error: unknown): unknown {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current;
}

/**
 * The innermost message of a Temporal failure chain: the one that says what went wrong, e.g.
 * `invalid grid: epochs: …`.
 */
export function describeError(error: unknown): string {
  const cause = innermostCause(error);
  return cause instanceof Error ? cause.message : String(cause);
}
