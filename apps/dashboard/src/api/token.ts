/** Where the API token lives between visits. */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

/** localStorage key of the API token. */
export const TOKEN_KEY = 'agiqa.apiToken';

/**
 * Keeps the token in `storage` (the browser's localStorage). A storage that throws (private mode,
 * disabled cookies) degrades to a token that lasts for the page's lifetime.
 */
export function storageTokenStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null): TokenStore {
  let memory: string | null = null;
  return {
    get() {
      try {
        return storage?.getItem(TOKEN_KEY) || memory;
      } catch {
        return memory;
      }
    },
    set(token) {
      const value = token?.trim() || null;
      memory = value;
      try {
        if (value === null) storage?.removeItem(TOKEN_KEY);
        else storage?.setItem(TOKEN_KEY, value);
      } catch {
        // Kept in memory only.
      }
    },
  };
}
