// The ALTCHA widget without bundled workers (the CSP refuses blob: workers): hand it ours, served
// by the API. Runs after the widget's script (both deferred, in order), before any solving starts
// (the widget starts when the form is first focused).
(function () {
  'use strict';
  if (!window.$altcha || !window.$altcha.algorithms) return;
  window.$altcha.algorithms.set('SHA-256', function () { return new Worker('/static/vendor/altcha-sha-worker.js'); });
})();
