// Fraud clean-up: the busiest source hashes and email domains over a window
// (GET .../sources), with Invalidate (reason asked in a dialog) and Restore for each row.
(function () {
  'use strict';
  var root = document.getElementById('sources-page');
  if (!root) return;
  var C = window.Clarion;
  var cell = C.cell;
  var button = C.rowButton;
  var canEdit = root.dataset.canEdit === 'true';
  var api = '/api/admin/campaigns/' + encodeURIComponent(root.dataset.campaign);
  var $ = function (id) { return document.getElementById(id); };
  var pending = null; // { condition, label, button } while the dialog is open



  function fill(tableId, rows, key, describe) {
    var body = $(tableId).querySelector('tbody');
    body.replaceChildren();
    if (rows.length === 0) {
      var td = cell(body.insertRow(), 'No signatures in this window.', 'muted');
      td.colSpan = $(tableId).querySelectorAll('thead th').length;
      return;
    }
    rows.forEach(function (r) {
      var row = body.insertRow();
      var value = r[key];
      row.dataset.source = value === null ? '' : value;
      var th = document.createElement('th');
      th.scope = 'row';
      th.textContent = value === null ? 'unknown' : value;
      row.appendChild(th);
      cell(row, String(r.signatures), 'num signatures');
      cell(row, String(r.invalidated), 'num invalidated');
      // Signatures without a known source cannot be named by a condition.
      if (!canEdit || value === null) { if (canEdit) cell(row, ''); return; }
      var condition = {};
      condition[key] = value;
      var actions = cell(row, '');
      actions.className = 'actions';
      actions.append(
        button('Invalidate', 'Invalidate the signatures from ' + describe(value), function (b) { ask(condition, describe(value), b); }),
        button('Restore', 'Restore the invalidated signatures from ' + describe(value), function () { restore(condition, describe(value)); }),
      );
    });
  }

  function load() {
    var window_ = $('window').value;
    return Promise.all([C.api(api + '/sources?window=' + encodeURIComponent(window_)), C.api(api)]).then(function (answers) {
      var sources = answers[0];
      var campaign = answers[1];
      if (!sources.ok) { C.say($('sources-message'), 'The sources could not be loaded: ' + C.problemText(sources), false); return; }
      fill('by-ip', sources.body.byIpHash, 'ipHash', function (h) { return 'source ' + h.slice(0, 8); });
      fill('by-domain', sources.body.byEmailDomain, 'emailDomain', function (d) { return d; });
      if (campaign.ok) {
        var c = campaign.body.counts;
        $('counts').textContent = c.confirmed + ' confirmed, ' + c.pending + ' pending, ' + c.invalidated + ' invalidated';
      }
      root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
    });
  }

  function ask(condition, label, opener) {
    pending = { condition: condition, label: label, opener: opener };
    C.clearErrors($('invalidate-form'));
    $('invalidate-what').textContent = 'Every signature from ' + label + ' in this campaign leaves the counts and the default export. You can restore them later.';
    $('invalidate-reason').value = '';
    $('invalidate-dialog').showModal();
    $('invalidate-reason').focus();
  }

  function closeDialog() {
    $('invalidate-dialog').close();
    if (pending && pending.opener && pending.opener.isConnected) pending.opener.focus();
  }

  function restore(condition, label) {
    C.api(api + '/signatures/restore', { method: 'POST', json: condition }).then(function (answer) {
      if (!answer.ok) { C.say($('sources-message'), 'Not restored: ' + C.problemText(answer), false); return; }
      C.say($('sources-message'), answer.body.changed + ' signatures from ' + label + ' restored.');
      load();
    });
  }

  $('window').addEventListener('change', load);

  if (canEdit) {
    $('invalidate-cancel').addEventListener('click', closeDialog);
    $('invalidate-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var body = Object.assign({ reason: $('invalidate-reason').value }, pending.condition);
      C.api(api + '/signatures/invalidate', { method: 'POST', json: body }).then(function (answer) {
        if (!answer.ok) { C.showErrors($('invalidate-form'), answer); return; }
        var label = pending.label;
        closeDialog();
        C.say($('sources-message'), answer.body.changed + ' signatures from ' + label + ' invalidated.');
        load();
      });
    });
  }

  load();
})();
