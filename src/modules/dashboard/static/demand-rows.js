// The demands editor shared by the new-campaign and edit pages: an ordered list of rows (title +
// verbatim quote) with Add and Remove. Inputs carry `data-field="demands.<i>.title|quote"`, the
// paths the API's errors use, so forms.js can put each error beside its field.
(function () {
  'use strict';

  function field(labelText, id, path, multiline, value) {
    var wrap = document.createElement('div');
    wrap.className = 'field';
    var label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = labelText;
    var input = document.createElement(multiline ? 'textarea' : 'input');
    input.id = id;
    input.dataset.field = path;
    input.required = true;
    if (multiline) input.rows = 3;
    input.value = value || '';
    wrap.append(label, input);
    return wrap;
  }

  function renumber(list) {
    Array.prototype.forEach.call(list.children, function (row, i) {
      var n = i + 1;
      row.querySelector('.demand-heading').textContent = 'Demand ' + n;
      var title = row.querySelector('input');
      var quote = row.querySelector('textarea');
      var remove = row.querySelector('button');
      title.id = list.id + '-title-' + i; title.dataset.field = 'demands.' + i + '.title';
      quote.id = list.id + '-quote-' + i; quote.dataset.field = 'demands.' + i + '.quote';
      row.querySelectorAll('label')[0].htmlFor = title.id;
      row.querySelectorAll('label')[1].htmlFor = quote.id;
      remove.setAttribute('aria-label', 'Remove demand ' + n);
      remove.disabled = list.children.length === 1;
    });
  }

  function addRow(list, demand, focus) {
    var row = document.createElement('li');
    row.className = 'demand card';
    var heading = document.createElement('h3');
    heading.className = 'demand-heading';
    var remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary remove-demand';
    remove.textContent = 'Remove';
    remove.addEventListener('click', function () {
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(list);
      // Focus stays in the list rather than falling back to the top of the page.
      if (next) next.querySelector('input').focus();
    });
    row.append(heading, field('Title', '', '', false, demand && demand.title), field('Quote, verbatim from the statement', '', '', true, demand && demand.quote), remove);
    list.appendChild(row);
    renumber(list);
    if (focus) row.querySelector('input').focus();
  }

  /** Fills `fieldset` (with an `ol.demand-list` and a `.add-demand` button) with `demands`. */
  function init(fieldset, demands) {
    var list = fieldset.querySelector('.demand-list');
    list.id = fieldset.id + '-list';
    (demands && demands.length ? demands : [null]).forEach(function (d) { addRow(list, d, false); });
    fieldset.querySelector('.add-demand').addEventListener('click', function () { addRow(list, null, true); });
  }

  function read(fieldset) {
    return Array.prototype.map.call(fieldset.querySelectorAll('.demand'), function (row) {
      return { title: row.querySelector('input').value, quote: row.querySelector('textarea').value };
    });
  }

  window.DemandRows = { init: init, read: read };
})();
