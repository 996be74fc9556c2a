/**
 * Items by key, keys in first-seen order, each group in input order. Linear: each group is one
 * array appended in place (copying a group on every insert made a 10,000-run table quadratic).
 * `Map.groupBy` does this from Node 21; the engines field still allows Node 20.
 */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
