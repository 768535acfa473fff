// What every editing page shares: calls to the admin API with the session's CSRF token, and the
// API's problem+json `errors[]` shown beside the fields they name. Fields say which error path is
// theirs with `data-field` (e.g. "demands.0.quote"); errors no field claims go to the summary only.
// Everything is written with textContent: nothing from the API becomes HTML.
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var serial = 0;

  /** Answers `{ ok, status, body }`; a lost session goes back to the login page. */
  function api(url, options) {
    options = options || {};
    var headers = { accept: 'application/json' };
    var body;
    if (options.json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(options.json); }
    if (options.csv !== undefined) { headers['content-type'] = 'text/csv'; body = options.csv; }
    if (options.method && options.method !== 'GET') headers['x-csrf-token'] = csrf;
    return fetch(url, { method: options.method || 'GET', credentials: 'same-origin', headers: headers, body: body }).then(function (response) {
      if (response.status === 401) {
        window.location.assign('/admin/login?next=' + encodeURIComponent(window.location.pathname));
        throw new Error('logged out');
      }
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        return { ok: response.ok, status: response.status, body: parsed };
      });
    });
  }

  /** The problem's own words and each field's error, as one line (for places without fields). */
  function problemText(answer) {
    var p = answer.body || {};
    var fields = (p.errors || []).map(function (e) { return e.field + ': ' + e.message; });
    return [p.detail || p.title || ('The server answered ' + answer.status + '.')].concat(fields).join(' ');
  }

  function clearErrors(form) {
    form.querySelectorAll('.field-error').forEach(function (el) { el.remove(); });
    form.querySelectorAll('[aria-invalid]').forEach(function (input) {
      input.removeAttribute('aria-invalid');
      var ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(function (id) { return id && id.indexOf('err-') !== 0; });
      if (ids.length) input.setAttribute('aria-describedby', ids.join(' ')); else input.removeAttribute('aria-describedby');
    });
    var summary = form.querySelector('.error-summary');
    if (summary) { summary.hidden = true; summary.replaceChildren(); }
  }

  /**
   * Marks each named field invalid with its message next to it, lists every error in the form's
   * `.error-summary` (links to the fields) and moves focus there, so a screen reader hears it.
   */
  function showErrors(form, answer) {
    clearErrors(form);
    var problem = answer.body || {};
    var summary = form.querySelector('.error-summary');
    var heading = document.createElement('h3');
    heading.textContent = problem.detail || problem.title || ('Not saved: the server answered ' + answer.status + '.');
    var list = document.createElement('ul');
    (problem.errors || []).forEach(function (error) {
      var input = form.querySelector('[data-field="' + CSS.escape(error.field) + '"]');
      var item = document.createElement('li');
      if (input) {
        serial += 1;
        var id = 'err-' + serial;
        var note = document.createElement('p');
        note.className = 'field-error';
        note.id = id;
        note.textContent = error.message;
        input.insertAdjacentElement('afterend', note);
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', ((input.getAttribute('aria-describedby') || '') + ' ' + id).trim());
        var link = document.createElement('a');
        link.href = '#' + input.id;
        link.textContent = labelOf(input) + ': ' + error.message;
        link.addEventListener('click', function (event) { event.preventDefault(); input.focus(); });
        item.appendChild(link);
      } else {
        item.textContent = error.field + ': ' + error.message;
      }
      list.appendChild(item);
    });
    if (!summary) return;
    summary.append(heading, list);
    summary.hidden = false;
    summary.focus();
  }

  function labelOf(input) {
    var label = input.id && document.querySelector('label[for="' + CSS.escape(input.id) + '"]');
    return label ? label.textContent.trim() : (input.getAttribute('aria-label') || input.name || 'Field');
  }

  /** A short status line (role="status" element): `ok` false paints it as an error. */
  function say(element, text, ok) {
    element.textContent = text;
    element.classList.add('notice');
    element.classList.toggle('error', ok === false);
    element.hidden = false;
  }

  /** Appends a data cell; textContent only, so what staff or supporters typed stays inert. */
  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  /** A row's action button; its label names the row, since the visible text alone ("Revoke") does not. */
  function rowButton(text, label, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary';
    b.textContent = text;
    b.setAttribute('aria-label', label);
    b.addEventListener('click', function () { onClick(b); });
    return b;
  }

  function optional(value) { return value.trim() === '' ? null : value.trim(); }

  /** The campaign texts both the new-campaign and the edit form have, as the admin API names them. */
  function campaignTexts(f) {
    return {
      title: f.title.value,
      summary: optional(f.summary.value),
      statement: f.statement.value,
      source: { organisation: f.sourceOrganisation.value, url: optional(f.sourceUrl.value), date: optional(f.sourceDate.value) },
      // An empty or odd goal goes as it is, so the API's message names the field.
      goal: f.goal.value.trim() === '' ? null : Number(f.goal.value),
      sender: { name: f.senderName.value, email: f.senderEmail.value.trim() },
    };
  }

  window.Clarion = { optional: optional, campaignTexts: campaignTexts, api: api, problemText: problemText, showErrors: showErrors, clearErrors: clearErrors, say: say, cell: cell, rowButton: rowButton };
})();
