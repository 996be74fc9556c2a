import { describe, expect, it } from 'vitest';
import { WORKFLOW_TYPES } from '@agiqa/contracts';
import * as workflows from './index.js';

describe('workflow registry', () => {
  it('registers one workflow per WORKFLOW_TYPES name, and nothing else', () => {
    expect(Object.keys(workflows).sort()).toEqual(Object.values(WORKFLOW_TYPES).sort());
    for (const name of Object.values(WORKFLOW_TYPES)) expect((workflows as Record<string, unknown>)[name]).toBeTypeOf('function');
  });
});
