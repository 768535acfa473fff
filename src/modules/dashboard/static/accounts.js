// Owners: staff accounts (create with a generated password shown once, change role, disable),
// API tokens (create, shown once; revoke) and the audit log, paged backwards.
(function () {
  'use strict';
  var root = document.getElementById('accounts-page');
  if (!root) return;
  var C = window.Clarion;
  var cell = C.cell;
  var button = C.rowButton;
  var $ = function (id) { return document.getElementById(id); };
  var ROLES = ['viewer', 'editor', 'owner'];
  var emails = {}; // account id → email, to name the actor in the audit log
  var nextBefore = null;
  var when = function (value) { return value ? new Date(value).toLocaleString('en-GB') : ''; };


  function rowHeader(row, text) {
    var th = document.createElement('th');
    th.scope = 'row';
    th.textContent = text;
    row.appendChild(th);
  }


  /** A secret the API shows once, with a plain warning; focused so it is read out. */
  function showSecret(element, intro, secret) {
    element.replaceChildren();
    var p = document.createElement('p');
    p.textContent = intro + ' It is shown only now: copy it and hand it over safely.';
    var code = document.createElement('code');
    code.className = 'secret-value';
    code.textContent = secret;
    element.append(p, code);
    element.hidden = false;
    element.focus();
  }

  function loadAccounts() {
    return C.api('/api/admin/accounts').then(function (answer) {
      var body = $('accounts').querySelector('tbody');
      body.replaceChildren();
      if (!answer.ok) return;
      answer.body.accounts.forEach(function (a) {
        emails[a.id] = a.email;
        var row = body.insertRow();
        row.dataset.account = a.email;
        rowHeader(row, a.email);
        var roleCell = cell(row, '');
        var select = document.createElement('select');
        select.setAttribute('aria-label', 'Role of ' + a.email);
        ROLES.forEach(function (r) {
          var option = document.createElement('option');
          option.value = r;
          option.textContent = r;
          option.selected = r === a.role;
          select.appendChild(option);
        });
        roleCell.appendChild(select);
        cell(row, a.disabled ? 'Disabled' : a.locked ? 'Locked for a while' : 'Active', 'state');
        cell(row, when(a.createdAt));
        var actions = cell(row, '');
        actions.className = 'actions';
        actions.append(
          button('Save role', 'Save role of ' + a.email, function () { patchAccount(a, { role: select.value }); }),
          button(a.disabled ? 'Enable' : 'Disable', (a.disabled ? 'Enable ' : 'Disable ') + a.email, function () { patchAccount(a, { disabled: !a.disabled }); }),
        );
      });
    });
  }

  function patchAccount(account, patch) {
    C.api('/api/admin/accounts/' + encodeURIComponent(account.id), { method: 'PATCH', json: patch }).then(function (answer) {
      if (!answer.ok) { C.say($('accounts-message'), 'Not changed: ' + C.problemText(answer), false); return; }
      C.say($('accounts-message'), account.email + ' is now ' + answer.body.role + (answer.body.disabled ? ', disabled' : '') + '.');
      loadAccounts().then(loadAuditFirst);
    });
  }

  function loadTokens() {
    return C.api('/api/admin/tokens').then(function (answer) {
      var body = $('tokens').querySelector('tbody');
      body.replaceChildren();
      if (!answer.ok) return;
      answer.body.tokens.forEach(function (t) {
        var row = body.insertRow();
        row.dataset.token = t.id;
        rowHeader(row, t.name);
        cell(row, t.role);
        cell(row, t.account);
        cell(row, when(t.createdAt));
        cell(row, when(t.lastUsedAt) || 'never');
        cell(row, t.revokedAt ? 'Revoked ' + when(t.revokedAt) : 'Active', 'state');
        var actions = cell(row, '');
        if (!t.revokedAt) actions.appendChild(button('Revoke', 'Revoke the token ' + t.name, function () { revoke(t); }));
      });
    });
  }

  function revoke(token) {
    if (!window.confirm('Revoke the token "' + token.name + '"? Scripts using it stop working at once.')) return;
    C.api('/api/admin/tokens/' + encodeURIComponent(token.id), { method: 'DELETE' }).then(function (answer) {
      if (!answer.ok) { C.say($('tokens-message'), 'Not revoked: ' + C.problemText(answer), false); return; }
      C.say($('tokens-message'), 'The token "' + token.name + '" is revoked.');
      loadTokens().then(loadAuditFirst);
    });
  }

  function loadAudit(before) {
    return C.api('/api/admin/audit?limit=50' + (before ? '&before=' + encodeURIComponent(before) : '')).then(function (answer) {
      var body = $('audit').querySelector('tbody');
      if (!before) body.replaceChildren();
      if (!answer.ok) return;
      answer.body.events.forEach(function (e) {
        var row = body.insertRow();
        row.dataset.action = e.action;
        rowHeader(row, when(e.at));
        cell(row, e.actorAccountId ? (emails[e.actorAccountId] || e.actorAccountId) : e.actorTokenId ? 'token ' + e.actorTokenId.slice(0, 8) : 'system');
        cell(row, e.action);
        cell(row, e.subject || '');
        cell(row, e.details === null || e.details === undefined ? '' : JSON.stringify(e.details), 'details');
      });
      nextBefore = answer.body.nextBefore;
      $('audit-more').hidden = !nextBefore;
    });
  }
  function loadAuditFirst() { return loadAudit(null); }

  $('audit-more').addEventListener('click', function () { loadAudit(nextBefore); });

  $('account-create').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = $('account-create');
    $('acc-secret').hidden = true;
    C.api('/api/admin/accounts', { method: 'POST', json: { email: form.elements.email.value.trim(), role: form.elements.role.value } }).then(function (answer) {
      if (!answer.ok) {
        if (answer.status === 409 && answer.body && !answer.body.errors) answer.body.errors = [{ field: 'email', message: answer.body.detail }];
        C.showErrors(form, answer);
        return;
      }
      C.clearErrors(form);
      form.elements.email.value = '';
      showSecret($('acc-secret'), 'Account ' + answer.body.email + ' (' + answer.body.role + ') created. Its password:', answer.body.password);
      loadAccounts().then(loadAuditFirst);
    });
  });

  $('token-create').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = $('token-create');
    $('tok-secret').hidden = true;
    C.api('/api/admin/tokens', { method: 'POST', json: { name: form.elements.name.value, role: form.elements.role.value } }).then(function (answer) {
      if (!answer.ok) { C.showErrors(form, answer); return; }
      C.clearErrors(form);
      form.elements.name.value = '';
      showSecret($('tok-secret'), 'Token "' + answer.body.name + '" (' + answer.body.role + ') created. Send it as Authorization: Bearer:', answer.body.token);
      loadTokens().then(loadAuditFirst);
    });
  });

  loadAccounts().then(loadTokens).then(loadAuditFirst);
})();
