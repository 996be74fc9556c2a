import { describe, expect, it } from 'vitest';
import { HEARTBEAT_EPOCHS, heartbeatTimeoutFor } from './run.activities.js';

const timing = { heartbeatTimeoutMs: 15_000, heartbeatTimeoutMaxMs: 600_000 };

describe(heartbeatTimeoutFor.name, () => {
  it('is the configured (short) timeout while no comparable epoch was measured, or epochs are fast', () => {
    expect(heartbeatTimeoutFor(null, timing)).toBe(15_000);
    expect(heartbeatTimeoutFor(120, timing)).toBe(15_000);
  });

  it('grows with the slowest measured epoch, up to the ceiling', () => {
    expect(heartbeatTimeoutFor(20_000, timing)).toBe(HEARTBEAT_EPOCHS * 20_000);
    expect(heartbeatTimeoutFor(3_600_000, timing)).toBe(600_000);
  });
});
