// The campaign's edit page: texts (PATCH), demands (PUT .../demands), consent (PATCH consent) and
// one form per translation (PUT/DELETE .../translations/:lang). Each form shows the API's field
// errors beside its fields (forms.js) and a status line when saved.
(function () {
  'use strict';
  var root = document.getElementById('campaign-edit');
  if (!root) return;
  var C = window.Clarion;
  var api = '/api/admin/campaigns/' + encodeURIComponent(root.dataset.campaign);

  var optional = window.Clarion.optional;
  function message(form) { return form.querySelector('.form-message'); }

  /** Sends, then either says `done` or shows the errors; answers the saved campaign or null. */
  function save(form, url, method, json, done) {
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    message(form).hidden = true;
    return C.api(url, { method: method, json: json }).then(function (answer) {
      button.disabled = false;
      if (!answer.ok) {
        C.showErrors(form, answer);
        return null;
      }
      C.clearErrors(form);
      C.say(message(form), done);
      return answer.body;
    }, function (error) { button.disabled = false; throw error; });
  }

  var texts = document.getElementById('campaign-texts');
  if (texts) {
    var f = texts.elements;
    texts.addEventListener('submit', function (event) {
      event.preventDefault();
      var patch = Object.assign(window.Clarion.campaignTexts(f), {
        letterMode: f.letterMode.value,
        digestPeriodMinutes: Number(f.digestPeriodMinutes.value),
        letterTestMode: f.letterTestMode.checked,
        countPendingPublicly: f.countPendingPublicly.checked,
        retentionDays: Number(f.retentionDays.value),
      });
      save(texts, api, 'PATCH', patch, 'Saved.');
    });
  }

  var demandsForm = document.getElementById('campaign-demands');
  if (demandsForm) {
    var fieldset = document.getElementById('edit-demands');
    C.api(api).then(function (answer) {
      window.DemandRows.init(fieldset, answer.ok ? answer.body.demands : []);
    });
    demandsForm.addEventListener('submit', function (event) {
      event.preventDefault();
      save(demandsForm, api + '/demands', 'PUT', { demands: window.DemandRows.read(fieldset) },
        'Saved. Reload the page to translate changed or new demands.');
    });
  }

  var consent = document.getElementById('campaign-consent');
  if (consent) {
    consent.addEventListener('submit', function (event) {
      event.preventDefault();
      save(consent, api, 'PATCH', { consent: { text: consent.elements.consent.value } }, 'Saved.').then(function (campaign) {
        if (campaign && campaign.consent) C.say(message(consent), 'Saved. New signatures now agree to wording ' + campaign.consent.wording + '; earlier ones keep theirs.');
      });
    });
  }

  document.querySelectorAll('form.translation').forEach(function (form) {
    var url = api + '/translations/' + encodeURIComponent(form.dataset.lang);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      // Only demands with something typed are sent; their index in the body is what errors name.
      var demands = [];
      form.querySelectorAll('.translated-demand').forEach(function (set) {
        var title = set.querySelector('.tr-title');
        var quote = set.querySelector('.tr-quote');
        delete title.dataset.field;
        delete quote.dataset.field;
        if (title.value.trim() === '' && quote.value.trim() === '') return;
        title.dataset.field = 'demands.' + demands.length + '.title';
        quote.dataset.field = 'demands.' + demands.length + '.quote';
        demands.push({ position: Number(set.dataset.position), title: title.value, quote: quote.value });
      });
      save(form, url, 'PUT', { title: form.elements.title.value, summary: optional(form.elements.summary.value), demands: demands }, 'Saved.');
    });
    var remove = form.querySelector('.delete-translation');
    if (remove) remove.addEventListener('click', function () {
      if (!window.confirm('Delete this translation? The public page falls back to the original language.')) return;
      C.api(url, { method: 'DELETE' }).then(function (answer) {
        if (answer.ok) window.location.reload();
        else C.say(message(form), 'Not deleted: ' + C.problemText(answer), false);
      });
    });
  });
})();
