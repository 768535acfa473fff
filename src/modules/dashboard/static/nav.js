// Log out: ends the session through the admin API, then back to the login page.
(function () {
  'use strict';
  var button = document.getElementById('logout');
  if (!button) return;
  button.addEventListener('click', function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    fetch('/api/admin/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'x-csrf-token': meta ? meta.content : '' } })
      .finally(function () { window.location.assign('/admin/login'); });
  });
})();
