// Delegations: the table from GET /api/admin/targets, one delegation's edit form (PATCH), and the
// CSV import (the chosen file's text sent as text/csv; every error listed with line and column).
(function () {
  'use strict';
  var root = document.getElementById('targets-page');
  if (!root) return;
  var C = window.Clarion;
  var cell = C.cell;
  var canEdit = root.dataset.canEdit === 'true';
  var $ = function (id) { return document.getElementById(id); };
  var editing = null;
  var lastButton = null;


  function addresses(target) {
    var list = document.createElement('ul');
    list.className = 'plain';
    target.addresses.forEach(function (a) {
      var item = document.createElement('li');
      item.textContent = a.email + ' · ' + a.health.replace('_', ' ') + (a.placeholder ? ' · placeholder' : '');
      if (a.placeholder || a.health === 'bounced' || a.health === 'blocked') item.className = 'bad';
      list.appendChild(item);
    });
    if (target.needsRealAddress) {
      var warn = document.createElement('li');
      warn.className = 'bad';
      warn.textContent = 'Needs a real address';
      list.appendChild(warn);
    }
    return list;
  }

  /**
   * Campaigns whose letters this mission asked (List-Unsubscribe) to get as a daily digest; an
   * editor can send them one by one again (DELETE …/digest-overrides/:iso2, audited).
   */
  function overrides(target) {
    var list = document.createElement('ul');
    list.className = 'plain';
    (target.digestOverrides || []).forEach(function (o) {
      var item = document.createElement('li');
      item.dataset.campaign = o.campaign;
      item.textContent = o.campaign + ' · since ' + o.createdAt.slice(0, 10) + ' ';
      if (canEdit) {
        var button = C.rowButton('Single letters again', 'Single letters again: ' + o.campaign + ' to ' + target.country, function () {
          C.api('/api/admin/campaigns/' + encodeURIComponent(o.campaign) + '/digest-overrides/' + encodeURIComponent(target.iso2), { method: 'DELETE' }).then(function (answer) {
            if (!answer.ok) { C.say($('targets-message'), 'Not changed: ' + C.problemText(answer), false); return; }
            load().then(function () { C.say($('targets-message'), target.country + ' gets single letters for ' + o.campaign + ' again.'); });
          });
        });
        item.appendChild(button);
      }
      list.appendChild(item);
    });
    return list;
  }

  function load() {
    return C.api('/api/admin/targets').then(function (answer) {
      var body = $('targets').querySelector('tbody');
      body.replaceChildren();
      if (!answer.ok) { C.say($('targets-message'), 'The delegations could not be loaded: ' + C.problemText(answer), false); return; }
      answer.body.targets.forEach(function (t) {
        var row = body.insertRow();
        row.dataset.iso2 = t.iso2;
        var th = document.createElement('th');
        th.scope = 'row';
        th.textContent = t.country + ' (' + t.iso2 + ')';
        row.appendChild(th);
        cell(row, t.group + (t.councilMember ? ' · member until ' + t.termEnds : ''));
        cell(row, t.missionName);
        cell(row, '').appendChild(addresses(t));
        cell(row, t.preferredLanguage);
        cell(row, t.active ? 'Yes' : 'No', 'active');
        cell(row, t.hourlyCap === null ? 'default' : String(t.hourlyCap), 'num cap');
        cell(row, '', 'digest').appendChild(overrides(t));
        if (!canEdit) return;
        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'secondary';
        button.textContent = 'Edit';
        button.setAttribute('aria-label', 'Edit ' + t.country);
        button.addEventListener('click', function () { lastButton = button; edit(t); });
        cell(row, '').appendChild(button);
      });
    });
  }

  function edit(t) {
    editing = t.iso2;
    var f = $('target-edit').elements;
    C.clearErrors($('target-edit'));
    $('h-edit').textContent = 'Edit ' + t.country + ' (' + t.iso2 + ')';
    f.missionName.value = t.missionName;
    f.salutation.value = t.salutation;
    f.preferredLanguage.value = t.preferredLanguage;
    f.timeZone.value = t.timeZone;
    f.hourlyCap.value = t.hourlyCap === null ? '' : String(t.hourlyCap);
    f.emails.value = t.addresses.map(function (a) { return a.email; }).join('\n');
    f.active.checked = t.active;
    $('edit-section').hidden = false;
    $('h-edit').focus();
  }

  function closeEditor() {
    $('edit-section').hidden = true;
    if (lastButton && lastButton.isConnected) lastButton.focus();
  }

  if (canEdit) {
    $('t-cancel').addEventListener('click', closeEditor);
    $('target-edit').addEventListener('submit', function (event) {
      event.preventDefault();
      var form = $('target-edit');
      var f = form.elements;
      var patch = {
        missionName: f.missionName.value, salutation: f.salutation.value, preferredLanguage: f.preferredLanguage.value, timeZone: f.timeZone.value,
        hourlyCap: f.hourlyCap.value.trim() === '' ? null : Number(f.hourlyCap.value),
        emails: f.emails.value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean),
        active: f.active.checked,
      };
      C.api('/api/admin/targets/' + encodeURIComponent(editing), { method: 'PATCH', json: patch }).then(function (answer) {
        // "emails.1" errors belong to the one addresses field.
        if (!answer.ok) {
          if (answer.body && answer.body.errors) answer.body.errors.forEach(function (e) { if (/^emails\.\d+$/.test(e.field)) e.field = 'emails'; });
          C.showErrors(form, answer);
          return;
        }
        var saved = editing;
        $('edit-section').hidden = true;
        var country = answer.body.country;
        // Said once the table shows the change, and focus goes back to the row's Edit button.
        load().then(function () {
          C.say($('targets-message'), 'Saved ' + country + '.');
          var button = document.querySelector('tr[data-iso2="' + saved + '"] button');
          if (button) button.focus();
        });
      });
    });

    $('targets-import').addEventListener('submit', function (event) {
      event.preventDefault();
      var file = $('import-file').files[0];
      var result = $('import-result');
      if (!file) { showImport(result, 'Choose a file first.', [], false); return; }
      file.text().then(function (text) {
        return C.api('/api/admin/targets/import', { method: 'POST', csv: text });
      }).then(function (answer) {
        if (answer.ok) {
          var r = answer.body;
          showImport(result, 'Imported: ' + r.created + ' created, ' + r.updated + ' updated, ' + r.unchanged + ' unchanged.', [], true);
          load();
          return;
        }
        var errors = (answer.body && answer.body.errors) || [];
        showImport(result, 'Nothing was imported. ' + ((answer.body && answer.body.detail) || ''), errors, false);
      });
    });
  }

  /** The outcome with every error as "line N, column: message", focused so it is read out. */
  function showImport(element, text, errors, ok) {
    element.replaceChildren();
    var p = document.createElement('p');
    p.textContent = text;
    element.appendChild(p);
    if (errors.length) {
      var list = document.createElement('ul');
      list.className = 'import-errors';
      errors.forEach(function (e) {
        var item = document.createElement('li');
        item.textContent = (e.line !== undefined ? 'Line ' + e.line + ', ' : '') + (e.field || '') + ': ' + e.message;
        list.appendChild(item);
      });
      element.appendChild(list);
    }
    element.className = ok ? 'notice' : 'notice error';
    element.setAttribute('role', ok ? 'status' : 'alert');
    element.hidden = false;
    element.focus();
  }

  load();
})();
