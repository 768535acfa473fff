// The campaign dashboard: reads the admin API with the session cookie, redraws its figures every
// 15 seconds, and sends writes (retry, settings) with the session's CSRF token. Everything is
// written into the page with textContent, never as HTML.
(() => {
  'use strict';
  const REFRESH_MS = 15_000;
  const root = document.getElementById('dashboard');
  if (!root) return;
  const slug = root.dataset.campaign;
  const canEdit = root.dataset.canEdit === 'true';
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const api = `/api/admin/campaigns/${encodeURIComponent(slug)}`;
  let tz = browserTimeZone();
  const number = new Intl.NumberFormat('en');
  const regionNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'region' }) : null;
  const $ = (id) => document.getElementById(id);
  let chart = null;
  let refreshes = 0;

  $('series-tz').textContent = tz;

  function browserTimeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    } catch {
      return 'UTC';
    }
  }

  async function request(url, options = {}) {
    const response = await fetch(url, { credentials: 'same-origin', ...options, headers: { accept: 'application/json', ...(options.headers ?? {}) } });
    if (response.status === 401) {
      window.location.assign(`/admin/login?next=${encodeURIComponent(window.location.pathname)}`);
      throw new Error('logged out');
    }
    return response;
  }

  async function readJson(url) {
    const response = await request(url);
    if (!response.ok) throw new Error(`${url.split('?')[0]} answered ${response.status}`);
    return response.json();
  }

  /** The problem's own words, with each field's error: what the API says is meant for people. */
  async function problemText(response) {
    try {
      const problem = await response.json();
      const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
      return [problem.detail ?? problem.title, ...fields].filter(Boolean).join(' ');
    } catch {
      return `The server answered ${response.status}.`;
    }
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function headerCell(row, text) {
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = text;
    row.appendChild(th);
    return th;
  }

  function fillTable(id, items, addRow, emptyText) {
    const body = $(id).querySelector('tbody');
    body.replaceChildren();
    if (items.length === 0) {
      const row = body.insertRow();
      const td = cell(row, emptyText, 'muted');
      td.colSpan = $(id).querySelectorAll('thead th').length;
      return;
    }
    for (const item of items) addRow(body.insertRow(), item);
  }

  function countryName(code) {
    if (!code) return 'Not given';
    try {
      return `${regionNames?.of(code) ?? code} (${code})`;
    } catch {
      return code;
    }
  }

  function renderFigures(m) {
    $('count-confirmed').textContent = number.format(m.signatures.confirmed);
    $('count-pending').textContent = number.format(m.signatures.pending);
    $('count-invalidated').textContent = number.format(m.signatures.invalidated);
    $('count-supporters').textContent = number.format(m.supporters);
    const pct = Math.round(m.goal.progress * 100);
    const bar = $('goal-progress');
    bar.value = Math.min(100, pct);
    bar.textContent = `${pct}%`;
    $('goal-text').textContent = `${number.format(m.goal.counted)} of ${number.format(m.goal.target)} (${pct}%)`;
    const f = m.funnel;
    $('funnel').textContent = `${number.format(f.signed)} signed → ${number.format(f.confirmed)} confirmed → ${number.format(f.wroteLetter)} wrote to a delegation`;
  }

  function renderChart(series) {
    const labels = series.buckets.map((b) => b.local.slice(0, 10));
    const signed = series.buckets.map((b) => b.signed);
    const confirmed = series.buckets.map((b) => b.confirmed);
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets[0].data = signed;
      chart.data.datasets[1].data = confirmed;
      chart.update('none');
      return;
    }
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    chart = new window.Chart($('series-chart'), {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'Signed', data: signed, backgroundColor: dark ? '#5f6b7a' : '#b8c4d2' },
          { label: 'Confirmed', data: confirmed, backgroundColor: dark ? '#8cc2ff' : '#0b5cad' },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  function renderCountries(rows) {
    const sorted = [...rows].sort((a, b) => b.signed - a.signed || String(a.country).localeCompare(String(b.country)));
    fillTable('by-country', sorted, (row, c) => {
      row.dataset.country = c.country ?? '';
      headerCell(row, countryName(c.country));
      cell(row, number.format(c.signed), 'num').dataset.signed = String(c.signed);
      cell(row, number.format(c.confirmed), 'num').dataset.confirmed = String(c.confirmed);
      cell(row, number.format(c.invalidated), 'num');
    }, 'No signatures yet.');
  }

  function renderLetters(m) {
    fillTable('letters-by-state', Object.entries(m.letters), (row, [state, count]) => {
      row.dataset.state = state;
      headerCell(row, state);
      cell(row, number.format(count), 'num');
    }, 'No letters yet.');
    fillTable('letters-by-delegation', m.lettersByDelegation, (row, d) => {
      row.dataset.delegation = d.iso2;
      headerCell(row, `${d.country} (${d.iso2})`);
      const s = d.byStatus;
      cell(row, number.format(d.total), 'num');
      cell(row, number.format(s.sent), 'num');
      cell(row, number.format(s.held + s.queued + s.sending), 'num');
      cell(row, number.format(s.failed), s.failed > 0 ? 'num bad' : 'num');
      cell(row, number.format(s.review), 'num');
    }, 'No letters yet.');
  }

  function renderQueues(queues) {
    fillTable('queues', Object.entries(queues), (row, [name, counts]) => {
      row.dataset.queue = name;
      headerCell(row, name);
      if (!counts) {
        const td = cell(row, 'Redis did not answer', 'bad');
        td.colSpan = 5;
        return;
      }
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) cell(row, number.format(counts[state]), 'num');
    }, 'No queues.');
  }

  // Jobs the database says are owed and that waited over a minute past due: a stuck pipeline.
  function renderOwedWork(owed) {
    fillTable('owed-work', owed || [], (row, entry) => {
      headerCell(row, entry.kind);
      cell(row, number.format(entry.overdue), entry.overdue > 0 ? 'num bad' : 'num');
      for (const age of ['1-5m', '5-15m', '15-60m', '1h+']) cell(row, number.format(entry.byAge[age]), 'num');
      cell(row, number.format(entry.oldestSeconds), 'num');
    }, 'Nothing overdue.');
  }

  function renderFailed(letters) {
    fillTable('failed-letters', letters, (row, letter) => {
      row.dataset.letterId = letter.id;
      headerCell(row, `${letter.country} (${letter.delegation})`);
      cell(row, String(letter.attempts), 'num');
      cell(row, letter.lastSmtpResponse ?? '');
      cell(row, letter.failedAt ? new Date(letter.failedAt).toLocaleString('en-GB', { timeZone: tz }) : '');
      const state = cell(row, 'Failed', 'letter-state');
      const action = cell(row, '');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'retry secondary';
      button.textContent = 'Retry';
      button.setAttribute('aria-label', `Retry the letter to ${letter.country}`);
      button.disabled = !canEdit;
      button.addEventListener('click', () => retry(letter, button, state));
      action.appendChild(button);
    }, 'No failed letters.');
  }

  async function retry(letter, button, state) {
    button.disabled = true;
    const response = await request(`/api/admin/letters/${encodeURIComponent(letter.id)}/retry`, { method: 'POST', headers: { 'x-csrf-token': csrf } });
    if (response.status === 202) {
      state.textContent = 'Queued';
      $('retry-message').textContent = `The letter to ${letter.country} is queued again.`;
    } else {
      button.disabled = false;
      $('retry-message').textContent = `The letter to ${letter.country} was not retried: ${await problemText(response)}`;
    }
  }

  async function refresh() {
    try {
      const [metrics, failed] = await Promise.all([
        readJson(`${api}/metrics?bucket=day&tz=${encodeURIComponent(tz)}`),
        readJson(`/api/admin/letters?campaign=${encodeURIComponent(slug)}&status=failed`),
      ]);
      renderFigures(metrics);
      renderChart(metrics.series);
      renderCountries(metrics.byCountry);
      renderLetters(metrics);
      renderQueues(metrics.queues);
      renderOwedWork(metrics.owedWork);
      // A retried letter stays on screen as "Queued" until the next refresh drops it from the list.
      renderFailed(failed.letters);
      $('load-error').hidden = true;
      refreshes += 1;
      root.dataset.refreshes = String(refreshes);
      $('updated').textContent = `Figures updated at ${new Date().toLocaleTimeString('en-GB')}; they refresh every 15 seconds.`;
    } catch (error) {
      if (error.message === 'logged out') return;
      // A zone this browser knows and the server's Intl does not: fall back to UTC days.
      if (error.message.includes('/metrics answered 400') && tz !== 'UTC') {
        tz = 'UTC';
        $('series-tz').textContent = tz;
        return refresh();
      }
      $('load-error').textContent = `The figures could not be loaded: ${error.message}. Trying again shortly.`;
      $('load-error').hidden = false;
    }
  }

  // --- exports: the links follow the filters ----------------------------------------------------

  function exportQuery() {
    const form = $('export-filters');
    const params = new URLSearchParams({ state: form.state.value });
    const country = form.country.value.trim().toUpperCase();
    if (/^[A-Z]{2}$/.test(country)) params.set('country', country);
    // Dates are the staff member's local days: from its midnight, to the midnight after the last day.
    if (form.from.value) params.set('from', new Date(`${form.from.value}T00:00:00`).toISOString());
    if (form.to.value) {
      const end = new Date(`${form.to.value}T00:00:00`);
      end.setDate(end.getDate() + 1);
      params.set('to', end.toISOString());
    }
    return params.toString();
  }

  function updateExportLinks() {
    const query = exportQuery();
    $('export-signatures').href = `${api}/signatures.csv?${query}`;
    $('export-manifest').href = `${api}/delivery-package/manifest.json?${query}`;
  }
  // Staff without the export permission get no export form (the page leaves it out).
  if ($('export-filters')) {
    $('export-filters').addEventListener('input', updateExportLinks);
    $('export-filters').addEventListener('change', updateExportLinks);
    $('export-filters').addEventListener('submit', (event) => event.preventDefault());
    updateExportLinks();
  }

  // --- settings ---------------------------------------------------------------------------------

  const settings = $('settings');
  let savedStatus = settings.status.value;
  settings.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = $('settings-message');
    const patch = {
      goal: Number(settings.goal.value),
      embedOrigins: settings.embedOrigins.value.split('\n').map((s) => s.trim()).filter(Boolean),
      proofOfWork: settings.proofOfWork.checked,
    };
    if (settings.status.value !== savedStatus) patch.status = settings.status.value;
    message.textContent = 'Saving…';
    const response = await request(api, { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(patch) });
    if (!response.ok) {
      message.textContent = `Not saved: ${await problemText(response)}`;
      message.className = 'notice error';
      return;
    }
    const campaign = await response.json();
    settings.goal.value = String(campaign.goal);
    settings.embedOrigins.value = campaign.embedOrigins.join('\n');
    settings.proofOfWork.checked = campaign.proofOfWork;
    if (campaign.status !== savedStatus) {
      // The choice of next statuses depends on the new one: the server renders it.
      window.location.reload();
      return;
    }
    savedStatus = campaign.status;
    message.textContent = 'Saved.';
    message.className = 'notice';
    void refresh();
  });

  void refresh();
  window.setInterval(refresh, REFRESH_MS);
})();
