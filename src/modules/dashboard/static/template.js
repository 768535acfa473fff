// The letter template editor: loads the template for a language, previews the unsaved parts
// (the HTML in a sandboxed iframe without scripts), and saves. The API names template errors
// "html line 12"; they are shown beside their part with the line.
(function () {
  'use strict';
  var root = document.getElementById('template-page');
  if (!root) return;
  var C = window.Clarion;
  var api = '/api/admin/campaigns/' + encodeURIComponent(root.dataset.campaign) + '/letter-template';
  var $ = function (id) { return document.getElementById(id); };
  var form = $('template-form');
  var language = $('tpl-language');

  function load() {
    C.api(api + '?language=' + encodeURIComponent(language.value)).then(function (answer) {
      if (!answer.ok) { $('tpl-origin').textContent = 'The template could not be loaded: ' + C.problemText(answer); return; }
      var t = answer.body;
      $('tpl-origin').textContent = t.origin === 'default'
        ? 'No template of this campaign in this language yet: this is the default letter. Saving makes it the campaign\'s own.'
        : 'Saved ' + new Date(t.updatedAt).toLocaleString('en-GB') + '.';
      if (form) {
        form.elements.subject.value = t.subject;
        form.elements.html.value = t.html;
        form.elements.text.value = t.text;
      } else {
        $('ro-subject').textContent = t.subject;
        $('ro-html').textContent = t.html;
        $('ro-text').textContent = t.text;
      }
    });
  }
  language.addEventListener('change', load);
  load();
  if (!form) return;

  C.api('/api/admin/targets').then(function (answer) {
    var select = form.elements.iso2;
    (answer.ok ? answer.body.targets : []).filter(function (t) { return t.active; }).forEach(function (t) {
      var option = document.createElement('option');
      option.value = t.iso2;
      option.textContent = t.country + ' (' + t.iso2 + ')';
      select.appendChild(option);
    });
  });

  function parts() {
    return { subject: form.elements.subject.value, html: form.elements.html.value, text: form.elements.text.value };
  }

  /** "html line 12" → the html field, with the line in the message. */
  function byPart(answer) {
    var body = answer.body || {};
    body.errors = (body.errors || []).map(function (e) {
      var m = /^(subject|html|text) line (\d+)$/.exec(e.field);
      return m ? { field: m[1], message: 'line ' + m[2] + ': ' + e.message } : e;
    });
    return answer;
  }

  $('tpl-preview').addEventListener('click', function () {
    var f = form.elements;
    var body = {
      iso2: f.iso2.value, language: language.value, template: parts(),
      supporter: { name: f.name.value, city: f.city.value, country: f.country.value, paragraph: f.paragraph.value },
    };
    C.api(api + '/preview', { method: 'POST', json: body }).then(function (answer) {
      if (!answer.ok) { C.showErrors(form, byPart(answer)); return; }
      C.clearErrors(form);
      $('pv-subject').textContent = answer.body.subject;
      // srcdoc, sandboxed without allow-scripts: the letter's HTML is shown, never run.
      $('pv-html').srcdoc = answer.body.html;
      $('pv-text').textContent = answer.body.text;
      $('preview').hidden = false;
      $('h-preview').focus();
    });
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var message = form.querySelector('.form-message');
    message.hidden = true;
    var body = parts();
    body.language = language.value;
    C.api(api, { method: 'PUT', json: body }).then(function (answer) {
      if (!answer.ok) { C.showErrors(form, byPart(answer)); return; }
      C.clearErrors(form);
      C.say(message, 'Saved.');
      $('tpl-origin').textContent = 'Saved ' + new Date(answer.body.updatedAt).toLocaleString('en-GB') + '.';
    });
  });
})();
