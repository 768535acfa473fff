// Logs in through POST /api/admin/session (which sets the session cookie), then opens the page
// the staff member came for. The server only ever puts an /admin path in data-next.
(function () {
  'use strict';
  var form = document.getElementById('login');
  var error = document.getElementById('login-error');
  if (!form) return;

  function show(message) {
    error.textContent = message;
    error.hidden = false;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    error.hidden = true;
    fetch('/api/admin/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: form.email.value, password: form.password.value }),
    }).then(function (response) {
      if (response.ok) {
        window.location.assign(form.getAttribute('data-next') || '/admin');
        return;
      }
      button.disabled = false;
      show(response.status === 401
        ? 'That email and password do not match an account, or the account is locked for a while.'
        : 'The login did not work (' + response.status + '). Try again.');
      form.password.focus();
    }).catch(function () {
      button.disabled = false;
      show('The server did not answer. Check the connection and try again.');
    });
  });
})();
