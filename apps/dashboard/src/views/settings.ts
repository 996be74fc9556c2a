import type { Health, Workers } from '@agiqa/contracts';
import { isAbort, type ViewContext } from '../app/view.js';
import { actionButton, errorBox, keyValues, loading, pageHeader, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';

/** The API token (kept in localStorage, sent as Bearer) and the API's health. */
export async function settingsView(ctx: ViewContext): Promise<void> {
  const health = h('section', { 'aria-label': 'API health' }, loading());
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const input = h('input', { type: 'password', id: 'api-token', name: 'token', autocomplete: 'off', value: ctx.tokens.get() ?? '' });
  const describe = () => (status.textContent = ctx.tokens.get() ? 'A token is set: it is sent with every request.' : 'No token set: mutating requests go without one.');
  const form = h(
    'form',
    { id: 'token-form', 'aria-label': 'API token' },
    h('div', { class: 'field' }, h('label', { for: 'api-token' }, 'API token'), input, h('p', { class: 'hint' }, 'Stored in this browser (localStorage) and sent as “Authorization: Bearer …”. Writes need it when the API requires tokens.')),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Save token'),
      h('button', { type: 'button', onclick: () => ((input.value = ''), ctx.tokens.set(null), describe(), ctx.notify('Token cleared')) }, 'Clear'),
    ),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.tokens.set(input.value);
    describe();
    ctx.notify('Token saved');
  });
  describe();

  const tokenName = h('input', { type: 'text', id: 'new-token-name', name: 'tokenName', autocomplete: 'off', placeholder: 'my-laptop' });
  const created = h('div', { 'aria-live': 'polite' });
  const create = h(
    'div',
    { class: 'field-row' },
    h('div', { class: 'field' }, h('label', { for: 'new-token-name' }, 'New token name'), tokenName),
    actionButton(
      'Create token',
      async () => {
        const token = await ctx.api.createToken(tokenName.value.trim());
        ctx.tokens.set(token.token);
        input.value = token.token;
        describe();
        replace(created, h('div', { class: 'info-box' }, h('strong', null, `Token “${token.name}” created and saved in this browser.`), h('p', null, 'It is shown once: copy it now if other clients need it.'), h('code', { class: 'secret' }, token.token)));
      },
      (error) => replace(created, errorBox(error, 'Creating a token')),
    ),
  );

  const workers = h('section', { 'aria-label': 'Workers' }, loading());
  replace(ctx.root, pageHeader('API token and health'), form, h('h2', null, 'Create a token'), h('p', { class: 'muted' }, 'The first token can be created without one (when the API has none and no AGIQA_API_TOKEN); later ones need a valid token.'), create, created, h('h2', null, 'API health'), health, h('h2', null, 'Workers'), workers);
  void ctx.api.workers(ctx.signal).then(
    (listed) => replace(workers, workersTable(listed)),
    (error: unknown) => {
      if (!isAbort(error)) replace(workers, errorBox(error, 'Listing workers'));
    },
  );

  try {
    const hlth: Health = await ctx.api.health(ctx.signal);
    replace(
      health,
      keyValues([
        ['Status', h('span', { class: `badge ${hlth.status === 'ok' ? 'status-completed' : 'status-failed'}` }, hlth.status)],
        ['Database', `${hlth.database.kind} ${hlth.database.ok ? `reachable (${hlth.database.latencyMs} ms)` : `unreachable: ${hlth.database.error ?? ''}`}`],
        ['Temporal', `${hlth.temporal.address} (${hlth.temporal.namespace}) ${hlth.temporal.ok ? `reachable (${hlth.temporal.latencyMs} ms)${hlth.temporal.serverVersion ? `, server ${hlth.temporal.serverVersion}` : ''}` : `unreachable: ${hlth.temporal.error ?? ''}`}`],
        ['Writes need a token', hlth.auth.tokensRequiredForWrites ? 'yes' : 'no'],
        ['Versions', Object.entries(hlth.versions).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['Uptime', `${Math.round(hlth.uptimeSeconds)} s`],
      ]),
    );
  } catch (error) {
    if (!isAbort(error)) replace(health, errorBox(error, 'Health check'));
  }
}

/** Who polls each task queue, with engine and device; a queue nobody polls is flagged (its cells wait). */
function workersTable(listed: Workers): HTMLElement {
  const rows = listed.queues.flatMap((queue) =>
    queue.workers.length === 0
      ? [[queue.name, queue.kind, h('span', { class: 'badge status-failed' }, 'no worker polls this queue'), '', '', '', '']]
      : queue.workers.map((w) => [
          queue.name,
          queue.kind,
          h('code', null, w.host !== null && w.pid !== null ? `${w.host} pid ${w.pid}` : w.identity),
          w.engine ?? '—',
          w.device ?? '—',
          w.polls.join(' + '),
          w.lastAccessTime ? new Date(w.lastAccessTime).toLocaleTimeString() : '—',
        ]),
  );
  return table(['Queue', 'Kind', 'Worker', 'Engine', 'Device', 'Polls', 'Last poll'], rows, { id: 'workers', caption: "From Temporal's task-queue description" });
}
