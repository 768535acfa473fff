// The letter step, enhanced: a live count of the letters, the preview and the sending through the
// JSON API without leaving the page. Without this script the same form works by plain POSTs, so
// anything this script cannot do well it leaves to the browser (it does not call preventDefault).
(function () {
  'use strict';
  const form = document.getElementById('write-form');
  if (!form || !window.fetch || !window.Intl) return;
  let data;
  try {
    data = JSON.parse(form.getAttribute('data-client'));
  } catch {
    return;
  }

  const $ = (id) => document.getElementById(id);
  const rules = new Intl.PluralRules(data.locale);
  const numbers = new Intl.NumberFormat(data.locale);
  const collator = new Intl.Collator(data.locale);
  const byIso = new Map(data.delegations.map((d) => [d.iso2, d]));
  const members = data.delegations.filter((d) => d.member);
  const paragraph = $('paragraph');
  const groupSelect = $('group');
  const countLine = $('letter-count');
  const summary = $('error-summary');
  const api = '/api/campaigns/' + encodeURIComponent(data.slug) + '/letters';

  function fill(text, params) {
    return text.replace(/\{(\w+)\}/g, (whole, name) => {
      const value = params[name];
      if (value === undefined || value === null) return whole;
      return typeof value === 'number' ? numbers.format(value) : String(value);
    });
  }
  const plural = (forms, count) => fill(forms[rules.select(count)] || forms.other, { count });
  const chosen = () => (form.querySelector('input[name="choice"]:checked') || {}).value;
  const ticked = () => Array.from(form.querySelectorAll('input[name="countries"]:checked'), (box) => box.value);
  const cleanLength = (text) => text.replace(/\r\n?/g, '\n').trim().length;

  // The delegations a choice names, as the server finds them (sorted by code; the preview shows the first).
  function selection() {
    switch (chosen()) {
      case 'all': return { targets: { all: true }, list: members };
      case 'group': {
        const group = groupSelect ? groupSelect.value : '';
        if (!group) return { error: ['group', 'no_group'] };
        return { targets: { group }, list: members.filter((d) => d.group === group) };
      }
      // Shown only when the delegation exists; its code is known here only to the browser that signed.
      case 'own': return { targets: { own: true }, list: data.ownIso2 && byIso.has(data.ownIso2) ? [byIso.get(data.ownIso2)] : null, count: 1 };
      case 'countries': {
        const codes = ticked().sort();
        if (codes.length === 0) return { error: ['countries', 'no_countries'] };
        if (codes.length > data.maxCountries) return { error: ['countries', 'bad_countries'] };
        return { targets: { countries: codes }, list: codes.map((code) => byIso.get(code)).filter(Boolean) };
      }
      default: return { error: ['choice', 'no_choice'] };
    }
  }

  function updateCount() {
    const chosenNow = selection();
    const count = chosenNow.error ? 0 : chosenNow.list ? chosenNow.list.length : chosenNow.count;
    const text = count > 0 ? plural(data.plurals.count, count) : data.texts.countUnknown;
    if (countLine.textContent !== text) countLine.textContent = text;
  }

  function updateLeft() {
    const left = $('paragraph-left');
    left.textContent = plural(data.plurals.left, Math.max(0, data.paragraphMax - paragraph.value.replace(/\r\n?/g, '\n').length));
    left.hidden = false;
  }

  form.addEventListener('change', (event) => {
    if (event.target === groupSelect && groupSelect.value) $('choice-group').checked = true;
    if (event.target.name === 'countries' && event.target.checked) $('choice-countries').checked = true;
    updateCount();
  });
  paragraph.addEventListener('input', updateLeft);

  // --- errors: beside their field, and in the summary at the top -------------------------------

  const controlOf = {
    choice: () => form.querySelector('input[name="choice"]'),
    group: () => groupSelect,
    countries: () => { $('countries-list').open = true; return form.querySelector('input[name="countries"]'); },
    paragraph: () => paragraph,
  };

  function clearErrors() {
    for (const field of Object.keys(controlOf)) {
      const line = $(field + '-error');
      if (line) { line.hidden = true; line.textContent = ''; }
    }
    paragraph.removeAttribute('aria-invalid');
    if (groupSelect) groupSelect.removeAttribute('aria-invalid');
    summary.hidden = true;
  }

  function showSummary(message, anchor) {
    const list = summary.querySelector('ul');
    list.textContent = '';
    const item = document.createElement('li');
    if (anchor) {
      const link = document.createElement('a');
      link.href = '#' + anchor;
      link.textContent = message;
      item.appendChild(link);
    } else {
      item.textContent = message;
    }
    list.appendChild(item);
    summary.hidden = false;
  }

  function showFieldError(field, message) {
    const line = $(field + '-error');
    line.textContent = message;
    line.hidden = false;
    const control = controlOf[field]();
    if (field === 'paragraph' || field === 'group') control.setAttribute('aria-invalid', 'true');
    showSummary(message, control && control.id);
    if (control) control.focus();
  }

  function showGeneralError(message) {
    showSummary(message);
    summary.focus();
  }

  function showProblem(problem) {
    const code = problem && problem.code;
    const fields = (problem && problem.errors) || [];
    if (code === 'token_expired') return showGeneralError(data.texts.expired);
    if (code === 'token_invalid' || code === 'campaign_not_found') return showGeneralError(data.texts.invalid);
    if (code === 'campaign_not_open') return showGeneralError(data.texts.closed);
    if (code === 'no_targets' || code === 'target_not_found') return showFieldError('choice', data.texts.no_targets);
    if (fields.some((f) => String(f.field).startsWith('paragraph'))) {
      return showFieldError('paragraph', fill(data.texts.paragraph_too_long, { length: cleanLength(paragraph.value) }));
    }
    if (fields.some((f) => String(f.field).startsWith('targets'))) return showFieldError('choice', data.texts.no_choice);
    return showGeneralError(data.texts.failed);
  }

  // --- preview and send through the JSON API ------------------------------------------------

  const buttons = () => Array.from(document.querySelectorAll('#write-form button, button[form="write-form"]'));
  function busy(on) {
    for (const button of buttons()) button.disabled = on;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body),
    });
    let answer = null;
    try { answer = await response.json(); } catch { /* not JSON: handled as a failure below */ }
    return { ok: response.ok, answer };
  }

  const sortedNames = (list) => list.map((d) => d.name).sort(collator.compare);
  function fillList(list, names) {
    list.textContent = '';
    for (const name of names) {
      const item = document.createElement('li');
      item.textContent = name;
      list.appendChild(item);
    }
  }

  async function preview(chosenNow) {
    const first = chosenNow.list[0];
    const section = $('preview');
    const supporter = data.supporter;
    const body = { iso2: first.iso2, name: supporter.name, paragraph: paragraph.value };
    if (supporter.city) body.city = supporter.city;
    if (supporter.countryCode) body.country = supporter.countryCode;
    countLine.textContent = data.texts.loading;
    busy(true);
    try {
      const { ok, answer } = await post(api + '/preview', body);
      if (!ok || !answer) return showProblem(answer);
      $('preview-heading').textContent = fill(data.texts.previewHeading, { country: first.name });
      $('preview-count').textContent = plural(data.plurals.count, chosenNow.list.length);
      $('preview-subject').textContent = fill(data.texts.subject, { subject: answer.subject });
      const frame = $('preview-frame');
      frame.setAttribute('sandbox', '');
      frame.title = fill(data.texts.frameTitle, { country: first.name });
      frame.srcdoc = answer.html;
      $('preview-text').textContent = answer.text;
      fillList($('preview-recipients'), sortedNames(chosenNow.list));
      section.hidden = false;
      $('preview-heading').focus();
    } catch {
      showGeneralError(data.texts.failed);
    } finally {
      busy(false);
      updateCount();
    }
  }

  async function send(chosenNow) {
    const body = { actionToken: form.elements.actionToken.value, targets: chosenNow.targets };
    if (paragraph.value.trim()) body.paragraph = paragraph.value;
    countLine.textContent = data.texts.sending;
    busy(true);
    try {
      const { ok, answer } = await post(api, body);
      if (!ok || !answer) {
        updateCount();
        return showProblem(answer);
      }
      $('result-recorded').textContent = plural(data.plurals.recorded, answer.recorded);
      fillList($('result-delegations'), answer.delegations.map((d) => (byIso.get(d.iso2) || { name: d.country }).name).sort(collator.compare));
      $('result-status').textContent = answer.status === 'queued' ? data.texts.queued : data.texts.waiting;
      form.hidden = true;
      $('preview').hidden = true;
      $('result').hidden = false;
      $('result-heading').focus();
    } catch {
      updateCount();
      showGeneralError(data.texts.failed);
    } finally {
      busy(false);
    }
  }

  // Which button submitted, for browsers without SubmitEvent.submitter.
  let lastButton = null;
  document.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest('button');
    if (button) lastButton = button;
  });

  form.addEventListener('submit', (event) => {
    const submitter = event.submitter || lastButton;
    if (!submitter) return;
    clearErrors();
    const chosenNow = selection();
    if (chosenNow.error) {
      event.preventDefault();
      const [field, reason] = chosenNow.error;
      return showFieldError(field, data.texts[reason]);
    }
    const length = cleanLength(paragraph.value);
    if (length > data.paragraphMax) {
      event.preventDefault();
      return showFieldError('paragraph', fill(data.texts.paragraph_too_long, { length }));
    }
    if (submitter.id === 'preview-button') {
      if (!chosenNow.list) return; // "own" elsewhere than where they signed: the server previews it
      event.preventDefault();
      preview(chosenNow);
    } else {
      event.preventDefault();
      send(chosenNow);
    }
  });

  // A language switch keeps what was chosen and typed (it posts them with the token).
  const switcher = document.querySelector('form[data-language-switch]');
  if (switcher) {
    switcher.addEventListener('submit', () => {
      for (const old of switcher.querySelectorAll('input[data-carried]')) old.remove();
      const carry = (name, value) => {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        input.setAttribute('data-carried', '');
        switcher.appendChild(input);
      };
      if (chosen()) carry('choice', chosen());
      if (groupSelect && groupSelect.value) carry('group', groupSelect.value);
      for (const code of ticked()) carry('countries', code);
      if (paragraph.value) carry('paragraph', paragraph.value);
    });
  }

  updateCount();
  updateLeft();
}());
