// Inside the embedded form: tells the partner page how tall the form is, so its iframe fits
// without a scroll bar. Only to the partner's own origin, which the server checked against the
// campaign's allowlist; without one, nothing is posted anywhere.
(function () {
  'use strict';
  var root = document.querySelector('[data-embed]');
  var parentOrigin = root && root.getAttribute('data-parent-origin');
  if (!parentOrigin || window.parent === window) return;
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: 'clarion:embed-height', height: height }, parentOrigin);
  }
  report();
  if (typeof ResizeObserver === 'function') new ResizeObserver(report).observe(document.body);
  window.addEventListener('load', report);
})();
