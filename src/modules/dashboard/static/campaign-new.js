// The new-campaign form: POST /api/admin/campaigns, then the campaign's page. Field errors from
// the API's problem+json appear beside each field (forms.js).
(function () {
  'use strict';
  var form = document.getElementById('campaign-new');
  if (!form) return;
  var f = form.elements; // not form.title: that is the form's own title attribute
  var demands = document.getElementById('demands');
  window.DemandRows.init(demands, []);


  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    var body = Object.assign(window.Clarion.campaignTexts(f), {
      slug: f.slug.value.trim(),
      language: f.language.value,
      demands: window.DemandRows.read(demands),
      consent: { text: f.consent.value },
    });
    window.Clarion.api('/api/admin/campaigns', { method: 'POST', json: body }).then(function (answer) {
      if (answer.status === 201) {
        window.location.assign('/admin/campaigns/' + encodeURIComponent(answer.body.slug));
        return;
      }
      button.disabled = false;
      // A taken slug is a 409 without errors[]: it is still about the slug field.
      if (answer.status === 409 && answer.body && !answer.body.errors) answer.body.errors = [{ field: 'slug', message: answer.body.detail }];
      window.Clarion.showErrors(form, answer);
    }).catch(function () { button.disabled = false; });
  });
})();
