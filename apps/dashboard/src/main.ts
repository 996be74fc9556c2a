import { ApiClient } from './api/client.js';
import { storageTokenStore } from './api/token.js';
import { startShell } from './app/shell.js';
import './styles.css';

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const tokens = storageTokenStore(localStorageOrNull());
// The API serves the dashboard, so it is same-origin under /api.
const api = new ApiClient({ baseUrl: '/api', tokens });
const mount = document.getElementById('app');
if (!mount) throw new Error('index.html has no #app element');
startShell(mount, api, tokens);
