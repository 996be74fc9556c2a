import { AgiqaError } from '@agiqa/contracts';

/** The subset of a transformers.js tokenizer this module needs. */
export interface TokenizerLike {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  pad_token_id: number;
}

/** One prompt as token ids, special tokens included. */
export interface TokenizedText {
  ids: number[];
  /** True when the prompt had more tokens than the limit and its end was cut. */
  truncated: boolean;
}

/** A right-padded batch: `[batch, tokens]` int64 ids and attention mask (1 = token, 0 = padding). */
export interface TokenBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  batch: number;
  tokens: number;
  /** Unpadded length of each row. */
  lengths: number[];
}

/**
 * Tokenises prompts exactly as the Python tokenizer does with `truncation=True, max_length=N`.
 *
 * transformers.js truncates after adding special tokens, which drops the closing [SEP] / </s> of a
 * prompt longer than the limit; Python keeps it and cuts the text instead. So the special tokens
 * the tokenizer adds around one sequence are learnt once (prefix and suffix around the ids of a
 * one-word text), the text is tokenised without them, cut to `maxTokens - prefix - suffix`, and
 * wrapped again.
 */
export class PromptTokenizer {
  readonly prefix: number[];
  readonly suffix: number[];

  constructor(
    private readonly tokenizer: TokenizerLike,
    readonly maxTokens: number,
  ) {
    const withSpecials = tokenizer.encode('a');
    const plain = tokenizer.encode('a', { add_special_tokens: false });
    const at = indexOfRun(withSpecials, plain);
    if (plain.length === 0 || at < 0) {
      throw new AgiqaError('internal', `tokenizer template not understood: "a" → ${JSON.stringify(withSpecials)} vs ${JSON.stringify(plain)}`);
    }
    this.prefix = withSpecials.slice(0, at);
    this.suffix = withSpecials.slice(at + plain.length);
    if (maxTokens <= this.prefix.length + this.suffix.length) {
      throw new AgiqaError('internal', `maxTokens ${maxTokens} leaves no room next to ${this.prefix.length + this.suffix.length} special tokens`);
    }
  }

  encode(text: string): TokenizedText {
    const body = this.tokenizer.encode(text, { add_special_tokens: false });
    const room = this.maxTokens - this.prefix.length - this.suffix.length;
    const truncated = body.length > room;
    return { ids: [...this.prefix, ...(truncated ? body.slice(0, room) : body), ...this.suffix], truncated };
  }

  /** Pads to the longest row with the tokenizer's pad id. */
  batch(items: readonly TokenizedText[]): TokenBatch {
    const tokens = Math.max(...items.map((item) => item.ids.length));
    const inputIds = new BigInt64Array(items.length * tokens).fill(BigInt(this.tokenizer.pad_token_id));
    const attentionMask = new BigInt64Array(items.length * tokens);
    items.forEach((item, row) => {
      for (let t = 0; t < item.ids.length; t++) {
        inputIds[row * tokens + t] = BigInt(item.ids[t]);
        attentionMask[row * tokens + t] = 1n;
      }
    });
    return { inputIds, attentionMask, batch: items.length, tokens, lengths: items.map((item) => item.ids.length) };
  }
}

function indexOfRun(haystack: number[], needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
