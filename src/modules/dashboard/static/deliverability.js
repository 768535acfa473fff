// Deliverability on a campaign's page: its bounce and complaint rates and its sending domain's,
// from GET /api/admin/deliverability (last 30 days), with the complaint warning spelled out.
(function () {
  'use strict';
  var root = document.getElementById('deliverability');
  var page = document.getElementById('dashboard');
  if (!root || !page) return;
  var slug = page.dataset.campaign;
  var LEVEL_TEXT = {
    ok: 'OK',
    warning: 'Warning: complaints are nearing the 0.1 % limit of Gmail and Yahoo',
    over_limit: 'Over the 0.1 % complaint limit: mailbox providers will send this mail to spam or refuse it',
  };

  function percent(rate) { return rate === null ? '–' : (rate * 100).toFixed(2) + ' %'; }

  function row(body, label, r) {
    var tr = body.insertRow();
    tr.dataset.level = r.complaintLevel;
    var th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    tr.appendChild(th);
    [String(r.sent), String(r.hardBounces), percent(r.bounceRate), String(r.complaints), percent(r.complaintRate)].forEach(function (text) {
      var td = tr.insertCell();
      td.className = 'num';
      td.textContent = text;
    });
    var level = tr.insertCell();
    level.className = 'level' + (r.complaintLevel === 'ok' ? '' : ' bad');
    level.textContent = LEVEL_TEXT[r.complaintLevel];
  }

  function load() {
    fetch('/api/admin/deliverability', { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (response) {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.json();
    }).then(function (data) {
      var body = root.querySelector('tbody');
      body.replaceChildren();
      var mine = data.campaigns.filter(function (c) { return c.slug === slug; })[0];
      if (!mine) return;
      row(body, 'This campaign', mine);
      var domain = data.domains.filter(function (d) { return d.domain === mine.domain; })[0];
      if (domain) row(body, 'All mail from ' + domain.domain, domain);
      var worst = [mine, domain].filter(Boolean).map(function (r) { return r.complaintLevel; });
      var warning = document.getElementById('deliverability-warning');
      var level = worst.indexOf('over_limit') >= 0 ? 'over_limit' : worst.indexOf('warning') >= 0 ? 'warning' : 'ok';
      warning.hidden = level === 'ok';
      warning.dataset.level = level;
      warning.textContent = LEVEL_TEXT[level];
    }).catch(function () {
      var warning = document.getElementById('deliverability-warning');
      warning.hidden = false;
      warning.textContent = 'The delivery rates could not be loaded.';
    });
  }

  load();
  window.setInterval(load, 60000);
})();
