// Owners: webhook endpoints (add: the signing secret shown once; disable, enable, delete) and each
// endpoint's deliveries with every attempt and answer, replayed one by one or over a time range.
// Everything goes through the admin API (/api/admin/webhooks); nothing from it becomes HTML.
(function () {
  'use strict';
  var root = document.getElementById('webhooks-page');
  if (!root) return;
  var C = window.Clarion;
  var $ = function (id) { return document.getElementById(id); };
  var when = function (value) { return value ? new Date(value).toLocaleString('en-GB') : ''; };
  var shown = null; // the endpoint whose deliveries are open

  function stateOf(e) {
    if (e.disabledAt) return e.disabledReason === 'failing' ? 'Disabled: failed for days' : 'Disabled';
    if (e.consecutiveFailures > 0) return 'Failing (' + e.consecutiveFailures + ' in a row)';
    return 'Active';
  }

  function loadEndpoints() {
    return C.api('/api/admin/webhooks').then(function (answer) {
      var body = $('endpoints').querySelector('tbody');
      body.replaceChildren();
      if (!answer.ok) { C.say($('endpoints-message'), C.problemText(answer), false); return; }
      $('endpoints-empty').hidden = answer.body.endpoints.length > 0;
      answer.body.endpoints.forEach(function (e) {
        var row = body.insertRow();
        row.dataset.endpoint = e.id;
        var th = document.createElement('th');
        th.scope = 'row';
        th.className = 'code';
        th.textContent = e.url;
        row.appendChild(th);
        C.cell(row, e.events.join(', '));
        C.cell(row, e.personalData ? 'Yes' : 'No');
        C.cell(row, stateOf(e), 'state');
        C.cell(row, when(e.lastSuccessAt));
        var actions = C.cell(row, '');
        actions.append(
          C.rowButton('Deliveries', 'Deliveries to ' + e.url, function () { showDeliveries(e); }),
          C.rowButton(e.disabledAt ? 'Enable' : 'Disable', (e.disabledAt ? 'Enable ' : 'Disable ') + e.url, function (b) {
            b.disabled = true;
            C.api('/api/admin/webhooks/' + e.id, { method: 'PATCH', json: { disabled: !e.disabledAt } }).then(function (a) {
              C.say($('endpoints-message'), a.ok ? (e.disabledAt ? 'Enabled ' : 'Disabled ') + e.url + '.' : C.problemText(a), a.ok);
              return loadEndpoints();
            });
          }),
          C.rowButton('Delete', 'Delete ' + e.url, function (b) {
            if (!window.confirm('Delete the endpoint ' + e.url + '? Its deliveries go too.')) return;
            b.disabled = true;
            C.api('/api/admin/webhooks/' + e.id, { method: 'DELETE' }).then(function (a) {
              C.say($('endpoints-message'), a.ok ? 'Deleted ' + e.url + '.' : C.problemText(a), a.ok);
              if (a.ok && shown && shown.id === e.id) { $('deliveries').hidden = true; shown = null; }
              return loadEndpoints();
            });
          }),
        );
      });
    });
  }

  function attemptsText(d) {
    if (d.attemptLog.length === 0) return 'not tried yet';
    return d.attemptLog.map(function (a) {
      return when(a.attemptedAt) + ': ' + (a.statusCode !== null ? 'HTTP ' + a.statusCode : a.error || 'no answer') + ' (' + a.durationMs + ' ms)';
    }).join('; ');
  }

  function loadDeliveries() {
    if (!shown) return Promise.resolve();
    return C.api('/api/admin/webhooks/' + shown.id + '/deliveries?limit=100').then(function (answer) {
      var body = $('delivery-list').querySelector('tbody');
      body.replaceChildren();
      if (!answer.ok) { C.say($('deliveries-message'), C.problemText(answer), false); return; }
      answer.body.deliveries.forEach(function (d) {
        var row = body.insertRow();
        row.dataset.delivery = d.id;
        var th = document.createElement('th');
        th.scope = 'row';
        th.innerHTML = '<code></code>';
        th.firstChild.textContent = d.event.type;
        row.appendChild(th);
        C.cell(row, when(d.event.occurredAt));
        C.cell(row, d.status + (d.replays > 0 ? ' (replayed ' + d.replays + '×)' : ''), 'status');
        C.cell(row, String(d.attempts), 'num');
        C.cell(row, attemptsText(d), 'attempts');
        var actions = C.cell(row, '');
        actions.append(C.rowButton('Replay', 'Replay ' + d.event.type + ' of ' + when(d.event.occurredAt), function (b) {
          b.disabled = true;
          C.api('/api/admin/webhooks/' + shown.id + '/deliveries/' + d.id + '/replay', { method: 'POST' }).then(function (a) {
            C.say($('deliveries-message'), a.ok ? 'Queued again: it goes out within seconds.' : C.problemText(a), a.ok);
            return loadDeliveries();
          });
        }));
      });
    });
  }

  function showDeliveries(endpoint) {
    shown = endpoint;
    $('deliveries-url').textContent = endpoint.url;
    $('deliveries').hidden = false;
    $('deliveries-message').hidden = true;
    loadDeliveries().then(function () { $('h-deliveries').focus(); });
  }

  var create = $('endpoint-create');
  create.addEventListener('submit', function (event) {
    event.preventDefault();
    C.clearErrors(create);
    var events = Array.prototype.filter.call(create.querySelectorAll('input[name="events"]'), function (box) { return box.checked; }).map(function (box) { return box.value; });
    var input = { url: create.url.value.trim(), events: events, personalData: create.personalData.checked };
    C.api('/api/admin/webhooks', { method: 'POST', json: input }).then(function (answer) {
      if (!answer.ok) { C.showErrors(create, answer); return; }
      var secret = $('wh-secret');
      secret.replaceChildren();
      var p = document.createElement('p');
      p.textContent = 'The signing secret of ' + answer.body.url + ' is shown only now: give it to the receiver, which verifies every delivery with it.';
      var code = document.createElement('code');
      code.className = 'secret-value';
      code.textContent = answer.body.secret;
      secret.append(p, code);
      secret.hidden = false;
      secret.focus();
      create.url.value = '';
      return loadEndpoints();
    });
  });

  var range = $('replay-range');
  range.addEventListener('submit', function (event) {
    event.preventDefault();
    C.clearErrors(range);
    if (!shown) return;
    // datetime-local is the browser's local time; the API takes ISO instants.
    var iso = function (value) { return value ? new Date(value).toISOString() : ''; };
    C.api('/api/admin/webhooks/' + shown.id + '/replay', { method: 'POST', json: { from: iso(range.from.value), to: iso(range.to.value) } }).then(function (answer) {
      if (!answer.ok) { C.showErrors(range, answer); return; }
      C.say($('deliveries-message'), answer.body.replayed + ' deliveries queued again.', true);
      return loadDeliveries();
    });
  });

  loadEndpoints();
})();
