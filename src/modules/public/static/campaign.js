// The campaign page, enhanced: signing without leaving the page, and a count that keeps up.
// Without this script everything still works through plain form posts; nothing here is required.
'use strict';

(() => {
  /** Where each field of a problem answer is shown; anything else is a general error. */
  const ANCHORS = { name: 'name', email: 'email', country: 'country', city: 'city', comment: 'comment', 'consent.updates': 'updates', 'consent.wording': 'updates' };

  const form = document.querySelector('form[data-signing-form]');
  const count = document.querySelector('[data-count]');
  const refreshCount = count && window.fetch ? liveCount(count) : () => {};
  if (form && window.fetch && window.FormData) enhanceForm(form, refreshCount);

  function enhanceForm(form, afterSigning) {
    const button = form.querySelector('button[type="submit"]');
    const status = form.querySelector('[data-form-status]');
    let busy = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (busy) return;
      busy = true;
      button.disabled = true;
      status.textContent = form.dataset.textSending;
      try {
        const response = await fetch(form.action, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(bodyOf(form)),
        });
        const answer = await response.json().catch(() => ({}));
        if (response.status === 202 && typeof answer.actionToken === 'string') {
          showSigned(form, answer.actionToken);
          afterSigning();
          return;
        }
        showErrors(form, errorsOf(form, response.status, answer));
      } catch {
        showErrors(form, [{ message: form.dataset.textNetwork }]);
      } finally {
        busy = false;
        button.disabled = false;
        status.textContent = '';
      }
    });
    // A link in the error summary takes focus to its field, not only the view.
    form.querySelector('[data-error-summary]').addEventListener('click', (event) => {
      const link = event.target.closest('a[href^="#"]');
      const field = link && document.getElementById(link.getAttribute('href').slice(1));
      if (!field) return;
      event.preventDefault();
      field.focus();
    });
  }

  /** The form as the JSON the API takes: consent nested, empty optional fields left out. */
  function bodyOf(form) {
    const body = { consent: { updates: false } };
    for (const [name, value] of new FormData(form)) {
      const consent = /^consent\[(\w+)\]$/.exec(name);
      if (consent) body.consent[consent[1]] = consent[1] === 'updates' ? value === 'true' : value;
      else if (value !== '' || name === 'name' || name === 'email') body[name] = value;
    }
    return body;
  }

  function errorsOf(form, status, problem) {
    if (status === 409) return [{ message: form.dataset.textClosed }];
    if (status === 429) return [{ message: form.dataset.textRateLimited }];
    const fieldErrors = Array.isArray(problem.errors) ? problem.errors : [];
    const errors = fieldErrors.map((error) => {
      const anchor = ANCHORS[error.field];
      const shown = anchor && form.querySelector(`[data-error-for="${anchor}"]`);
      return shown ? { anchor, message: shown.dataset.message } : { message: form.dataset.textGeneral };
    });
    // In the order the fields appear on the page.
    const rank = (error) => (error.anchor ? Object.values(ANCHORS).indexOf(error.anchor) : Infinity);
    errors.sort((a, b) => rank(a) - rank(b));
    return errors.length ? errors : [{ message: form.dataset.textGeneral }];
  }

  function showErrors(form, errors) {
    const id = form.dataset.id;
    for (const shown of form.querySelectorAll('[data-error-for]')) setFieldError(id, shown, false);
    const summary = form.querySelector('[data-error-summary]');
    const list = summary.querySelector('ul');
    list.replaceChildren();
    const seen = new Set();
    for (const error of errors) {
      if (error.anchor) setFieldError(id, form.querySelector(`[data-error-for="${error.anchor}"]`), true);
      if (seen.has(error.message)) continue;
      seen.add(error.message);
      const item = document.createElement('li');
      if (error.anchor) {
        const link = document.createElement('a');
        link.href = `#${id}-${error.anchor}`;
        link.textContent = error.message;
        item.append(link);
      } else item.textContent = error.message;
      list.append(item);
    }
    summary.hidden = false;
    summary.focus();
  }

  function setFieldError(id, shown, on) {
    const field = document.getElementById(`${id}-${shown.dataset.errorFor}`);
    shown.hidden = !on;
    shown.textContent = on ? shown.dataset.message : '';
    shown.closest('.field, fieldset').classList.toggle('invalid', on);
    const described = (field.getAttribute('aria-describedby') || '').split(' ').filter((ref) => ref && ref !== shown.id);
    if (on) described.push(shown.id);
    if (described.length) field.setAttribute('aria-describedby', described.join(' '));
    else field.removeAttribute('aria-describedby');
    if (on) field.setAttribute('aria-invalid', 'true');
    else field.removeAttribute('aria-invalid');
  }

  /** The same "check your email" message as the page without script, with this signing's token. */
  function showSigned(form, actionToken) {
    const content = form.querySelector('template[data-signed-template]').content.cloneNode(true);
    content.querySelector('input[name="actionToken"]').value = actionToken;
    const signed = document.createElement('div');
    signed.append(content);
    form.replaceWith(signed);
    signed.querySelector('[data-signed-heading]').focus();
  }

  /** Refreshes the count every 20 s while the page is visible; returns a refresh to call at will. */
  function liveCount(section) {
    const lang = section.dataset.locale;
    const number = section.querySelector('[data-count-number]');
    const label = section.querySelector('[data-count-label]');
    const progress = section.querySelector('[data-count-progress]');
    const plurals = new Intl.PluralRules(lang);
    const format = new Intl.NumberFormat(lang);
    let shown = Number(section.dataset.countValue);
    const refresh = async () => {
      if (document.hidden) return;
      try {
        const response = await fetch(`/api/campaigns/${encodeURIComponent(section.dataset.slug)}?lang=${lang}`, { cache: 'no-store', headers: { accept: 'application/json' } });
        if (!response.ok) return;
        const campaign = await response.json();
        const value = campaign && campaign.counts && campaign.counts.public;
        if (typeof value !== 'number' || value === shown) return;
        shown = value;
        const category = plurals.select(value);
        number.textContent = format.format(value);
        label.textContent = section.dataset[`label${category[0].toUpperCase()}${category.slice(1)}`] || section.dataset.labelOther;
        progress.value = Math.min(value, Number(progress.max));
        progress.textContent = number.textContent;
      } catch {
        // Offline for a moment: the next refresh will tell.
      }
    };
    setInterval(refresh, 20_000);
    document.addEventListener('visibilitychange', refresh);
    return refresh;
  }
})();
