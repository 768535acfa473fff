// Clarion's embeddable signing form. On a partner page:
//   <script src="https://clarion.example/embed.js" data-campaign="kazakhstan" async></script>
// inserts an iframe with the form right after this script tag, and fits its height to the form
// from the frame's messages (only from Clarion's own origin, only from that frame). No cookies,
// no storage, nothing else loaded.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var slug = script.getAttribute('data-campaign') || '';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) return;
  var clarion = new URL(script.src).origin;
  var src = new URL('/c/' + slug + '/embed', clarion);
  src.searchParams.set('partner', window.location.origin);
  var lang = script.getAttribute('data-lang');
  if (lang) src.searchParams.set('lang', lang);

  var frame = document.createElement('iframe');
  frame.src = src.toString();
  frame.title = script.getAttribute('data-title') || 'Petition';
  frame.referrerPolicy = 'no-referrer';
  frame.style.cssText = 'display:block;width:100%;max-width:40rem;height:36rem;border:0;';
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener('message', function (event) {
    if (event.origin !== clarion || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== 'clarion:embed-height' || typeof data.height !== 'number' || !isFinite(data.height)) return;
    frame.style.height = Math.max(200, Math.min(6000, Math.ceil(data.height))) + 'px';
  });
})();
