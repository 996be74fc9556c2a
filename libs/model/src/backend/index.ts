export { activeTfjsBackend, initTfjsBackend, tfjsUsesGpu, type BackendAttempt, type TfjsBackendInit } from './backend.js';
