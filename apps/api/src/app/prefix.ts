/** Every API route lives under `/api`; everything else is the dashboard. */
export const API_PREFIX = 'api';
