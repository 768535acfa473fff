// Campaign updates: the list with live counts, the compose form, and each mailing's actions
// (preview, a test to oneself, send, pause, resume, cancel), all through the admin API. Counts of
// a mailing that is sending are polled from GET /api/admin/mailings/:id every two seconds.
// Everything from the API is written with textContent; a preview's HTML goes into a sandboxed
// iframe's srcdoc, where no script runs.
(function () {
  'use strict';
  var root = document.getElementById('mailings-page');
  if (!root) return;
  var C = window.Clarion;
  var slug = root.dataset.campaign;
  var canEdit = root.dataset.canEdit === 'true';
  var $ = function (id) { return document.getElementById(id); };
  var tbody = document.querySelector('#mailings tbody');
  var message = $('mailings-message');
  var form = $('mailing-form');
  var POLL_MS = 2000;
  var COUNTS = ['recipients', 'queued', 'sent', 'failed', 'bounced', 'unsubscribed'];
  var STATUS_TEXT = { draft: 'Draft', sending: 'Sending', paused: 'Paused', cancelled: 'Cancelled', done: 'Done' };
  var rows = {};
  var polling = {};

  function mailingUrl(id, action) { return '/api/admin/mailings/' + encodeURIComponent(id) + (action ? '/' + action : ''); }

  function actionsFor(mailing) {
    var s = mailing.status;
    var list = [['preview', 'Preview'], ['test', 'Send a test to me']];
    if (s === 'draft') list.push(['send', 'Send']);
    if (s === 'sending') list.push(['pause', 'Pause']);
    if (s === 'paused') list.push(['resume', 'Resume']);
    if (s === 'draft' || s === 'sending' || s === 'paused') list.push(['cancel', 'Cancel']);
    return list;
  }

  /** One row per mailing, redrawn in place when its counts or status change. */
  function draw(mailing) {
    var row = rows[mailing.id];
    if (!row) {
      row = document.createElement('tr');
      row.dataset.mailing = mailing.id;
      rows[mailing.id] = row;
      tbody.appendChild(row);
    }
    row.replaceChildren();
    C.cell(row, mailing.subject, 'subject');
    C.cell(row, STATUS_TEXT[mailing.status] || mailing.status, 'status status-' + mailing.status);
    COUNTS.forEach(function (name) { C.cell(row, String(mailing.counts[name]), 'num count-' + name); });
    if (canEdit) {
      var td = document.createElement('td');
      td.className = 'actions';
      actionsFor(mailing).forEach(function (pair) {
        var b = C.rowButton(pair[1], pair[1] + ': ' + mailing.subject, function (button) { act(mailing, pair[0], button); });
        b.dataset.action = pair[0];
        td.appendChild(b);
      });
      row.appendChild(td);
    }
    $('mailings-empty').hidden = true;
    if (mailing.status === 'sending' || mailing.status === 'paused') poll(mailing.id); else stopPolling(mailing.id);
  }

  function poll(id) {
    if (polling[id]) return;
    polling[id] = setInterval(function () {
      C.api(mailingUrl(id)).then(function (answer) { if (answer.ok) draw(answer.body); });
    }, POLL_MS);
  }

  function stopPolling(id) {
    if (!polling[id]) return;
    clearInterval(polling[id]);
    delete polling[id];
  }

  function load() {
    C.api('/api/admin/campaigns/' + encodeURIComponent(slug) + '/mailings').then(function (answer) {
      if (!answer.ok) { C.say(message, 'The updates could not be loaded: ' + C.problemText(answer), false); return; }
      // Newest first, as the API lists them.
      answer.body.mailings.slice().reverse().forEach(function (m) { draw(m); tbody.insertBefore(rows[m.id], tbody.firstChild); });
      $('mailings-empty').hidden = answer.body.mailings.length > 0;
    });
  }

  var CONFIRM = {
    send: 'Send this update to every supporter it is for? It cannot be sent twice.',
    cancel: 'Cancel this update? Supporters not sent it yet will never get it.',
  };

  function act(mailing, action, button) {
    if (action === 'preview') return preview(mailing);
    if (CONFIRM[action] && !window.confirm(CONFIRM[action])) return;
    var language = $('pv-language').value;
    button.disabled = true;
    var options = { method: 'POST' };
    if (action === 'test') options.json = { language: language };
    C.api(mailingUrl(mailing.id, action), options).then(function (answer) {
      button.disabled = false;
      if (!answer.ok) { C.say(message, C.problemText(answer), false); return; }
      if (action === 'test') { C.say(message, 'Test queued: it goes to your own address only, marked [TEST].'); return; }
      C.say(message, { send: 'Sending started.', pause: 'Paused.', resume: 'Sending again.', cancel: 'Cancelled.' }[action]);
      C.api(mailingUrl(mailing.id)).then(function (fresh) { if (fresh.ok) draw(fresh.body); });
    });
  }

  function preview(mailing) {
    C.api(mailingUrl(mailing.id, 'preview'), { method: 'POST', json: { language: $('pv-language').value } }).then(function (answer) {
      if (!answer.ok) { C.say(message, C.problemText(answer), false); return; }
      $('pv-subject').textContent = answer.body.subject;
      $('pv-html').srcdoc = answer.body.html;
      $('pv-text').textContent = answer.body.text;
      $('preview').hidden = false;
      $('h-preview').focus();
    });
  }

  load();
  if (!form) return;

  var translationLanguages = Array.prototype.map.call(form.querySelectorAll('details.translation'), function (d) { return d.id.replace('m-tr-', ''); });

  function body() {
    var f = form.elements;
    var input = { subject: f.subject.value, text: f.text.value };
    if (f.html.value.trim() !== '') input.html = f.html.value;
    var languages = Array.prototype.filter.call(form.querySelectorAll('input[name="languages"]'), function (c) { return c.checked; }).map(function (c) { return c.value; });
    if (languages.length) input.languages = languages;
    var countries = f.countries.value.toUpperCase().split(/[\s,;]+/).filter(Boolean);
    if (countries.length) input.countries = countries;
    var sent = [];
    var translations = translationLanguages.map(function (lang) {
      var t = { language: lang, subject: f['tr-' + lang + '-subject'].value, text: f['tr-' + lang + '-text'].value };
      var html = f['tr-' + lang + '-html'].value;
      if (html.trim() !== '') t.html = html;
      return t;
    }).filter(function (t) { return t.subject.trim() !== '' || t.text.trim() !== ''; });
    translations.forEach(function (t) { sent.push(t.language); });
    if (translations.length) input.translations = translations;
    return { input: input, translationOrder: sent, countries: countries };
  }

  /**
   * The API names errors by path: "html line 3" (template), "translations.0.subject" (by index in
   * what was sent), "translations.ru.text line 2", "countries.1". Each goes to its field.
   */
  function byField(answer, sent) {
    var problem = answer.body || {};
    problem.errors = (problem.errors || []).map(function (e) {
      var field = e.field;
      var text = e.message;
      var line = /^(.*?)(subject|html|text) line (\d+)$/.exec(field);
      if (line) { field = line[1] + line[2]; text = 'line ' + line[3] + ': ' + text; }
      var indexed = /^translations\.(\d+)\.(.+)$/.exec(field);
      if (indexed && sent.translationOrder[Number(indexed[1])]) field = 'translations.' + sent.translationOrder[Number(indexed[1])] + '.' + indexed[2];
      var country = /^countries\.(\d+)$/.exec(field);
      if (country) { text = (sent.countries[Number(country[1])] || '') + ': ' + text; field = 'countries'; }
      if (/^languages(\.\d+)?$/.test(field)) field = 'languages';
      return { field: field, message: text };
    });
    return answer;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var note = form.querySelector('.form-message');
    note.hidden = true;
    var sent = body();
    C.api('/api/admin/campaigns/' + encodeURIComponent(slug) + '/mailings', { method: 'POST', json: sent.input }).then(function (answer) {
      if (!answer.ok) { C.showErrors(form, byField(answer, sent)); return; }
      C.clearErrors(form);
      form.reset();
      C.say(note, 'Saved as a draft: preview it, send yourself a test, then send it from the list above.');
      C.api(mailingUrl(answer.body.id)).then(function (fresh) {
        if (!fresh.ok) return;
        draw(fresh.body);
        tbody.insertBefore(rows[fresh.body.id], tbody.firstChild);
      });
    });
  });
})();
