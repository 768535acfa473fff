// Owners run retention now (POST /api/admin/retention/run); the page then reloads with the new dry run.
(function () {
  'use strict';
  var C = window.Clarion;
  var form = document.getElementById('retention-run');
  if (!form) return;
  var message = form.querySelector('.form-message');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    C.api('/api/admin/retention/run', { method: 'POST' }).then(function (answer) {
      button.disabled = false;
      if (!answer.ok) { C.say(message, C.problemText(answer), false); return; }
      var c = answer.body.counts;
      C.say(message, 'Done: ' + c.unconfirmedSignatures + ' unconfirmed signatures deleted, ' + c.signatures + ' signatures anonymised, ' + c.supportersErased + ' people erased. Reload the page for the next dry run.', true);
    }, function () { button.disabled = false; });
  });
})();
