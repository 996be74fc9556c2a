export { activeTfjsBackend, initTfjsBackend, type BackendAttempt, type TfjsBackendInit } from './backend.js';
