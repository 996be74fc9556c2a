export { getTable1 } from './table1.js';
export { getTable2, getTable3 } from './paper-tables.js';
export { getTimingTable } from './timing.js';
export { listSettings } from './settings-list.js';
export { matchedReplicates, type ComparedSide, type MatchedCell, type MatchedReplicates } from './matched.js';
export { MEASURED_METHODS, type MeasuredMethod } from './methods.js';
export { paperProtocolKey, settingFields, settingId, settingRef } from './settings.js';
export { TablesCache, tablesVersion } from './tables-cache.js';
