// ServerlessPush web page: progressive enhancement only. The page reads fine without this script;
// it adds the delete buttons, keeps relative times current, and a few conveniences.
// No inline code anywhere (the page's Content-Security-Policy forbids it); no dependencies.
(function () {
  'use strict';

  var statusBox = document.getElementById('status');
  var counts = document.getElementById('counts');

  function say(text, isError) {
    if (!statusBox) { return; }
    statusBox.textContent = text;
    statusBox.className = 'status ' + (isError ? 'error' : 'ok');
  }

  function formatNumber(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  // --- delete ------------------------------------------------------------------------------------
  // DELETE to the group's push URL. The custom header means a cross-site page could only send this
  // after a CORS preflight, which the gateway never approves for /metrics.
  function onDelete(event) {
    var button = event.currentTarget;
    var group = button.getAttribute('data-group');
    var url = button.getAttribute('data-url');
    if (!window.confirm('Delete group ' + group + '?\n\nIts metrics disappear from /metrics.')) {
      return;
    }
    button.disabled = true;
    say('Deleting ' + group + ' …', false);
    fetch(url, {
      method: 'DELETE',
      headers: { 'X-Requested-By': 'serverlesspush' },
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error'
    }).then(function (response) {
      if (response.ok) {
        removeGroup(button);
        say('Deleted ' + group + '.', false);
        return null;
      }
      return response.text().then(function (text) {
        var reason = response.status === 401 || response.status === 403
          ? 'you need the push or admin right'
          : (text || response.statusText).trim();
        say('Could not delete ' + group + ': ' + response.status + ' ' + reason, true);
        button.disabled = false;
      });
    }).catch(function (error) {
      say('Could not delete ' + group + ': ' + error.message, true);
      button.disabled = false;
    });
  }

  function removeGroup(button) {
    var item = button.closest('details.group');
    if (!item) { return; }
    var series = parseInt(item.getAttribute('data-series') || '0', 10);
    item.parentNode.removeChild(item);
    if (!counts) { return; }
    var groups = Math.max(0, parseInt(counts.getAttribute('data-groups'), 10) - 1);
    var total = Math.max(0, parseInt(counts.getAttribute('data-series'), 10) - series);
    counts.setAttribute('data-groups', String(groups));
    counts.setAttribute('data-series', String(total));
    var g = counts.querySelector('.group-count');
    var s = counts.querySelector('.series-count');
    if (g) { g.textContent = formatNumber(groups); }
    if (s) { s.textContent = formatNumber(total); }
  }

  Array.prototype.forEach.call(document.querySelectorAll('button.delete[data-url]'), function (button) {
    button.hidden = false;
    button.addEventListener('click', onDelete);
  });

  // --- delete the filtered set (admins) ------------------------------------------------------------
  // The server lists what to DELETE: whole jobs through /api/v1/groups?job=, or, when the filter
  // holds only some of a job's groups, each group's push URL. A few requests in flight at once.
  var deleteSet = document.getElementById('delete-set');
  var targets = document.getElementById('delete-set-targets');
  if (deleteSet && targets) {
    deleteSet.hidden = false;
    deleteSet.addEventListener('click', function () {
      var urls = JSON.parse(targets.textContent).urls;
      var count = parseInt(deleteSet.getAttribute('data-count'), 10);
      var jobs = parseInt(deleteSet.getAttribute('data-jobs'), 10);
      var filter = deleteSet.getAttribute('data-filter');
      var what = formatNumber(count) + (count === 1 ? ' group' : ' groups') + ' of ' + formatNumber(jobs) + (jobs === 1 ? ' job' : ' jobs');
      if (!window.confirm('Delete ' + what + (filter ? ' matching "' + filter + '"' : ' (every group)') +
          '?\n\nTheir metrics disappear from /metrics. This cannot be undone.')) {
        return;
      }
      deleteSet.disabled = true;
      var next = 0, done = 0, failed = [];
      say('Deleting ' + what + ' …', false);
      function one() {
        if (next >= urls.length) { return Promise.resolve(); }
        var url = urls[next++];
        return fetch(url, {
          method: 'DELETE',
          headers: { 'X-Requested-By': 'serverlesspush' },
          credentials: 'same-origin',
          cache: 'no-store',
          redirect: 'error'
        }).then(function (response) {
          if (!response.ok) { failed.push(response.status + ' ' + decodeURIComponent(url)); }
        }, function (error) {
          failed.push(error.message);
        }).then(function () {
          done++;
          say('Deleting ' + what + ' … ' + formatNumber(done) + ' of ' + formatNumber(urls.length) + ' requests', false);
          return one();
        });
      }
      var workers = [];
      for (var i = 0; i < Math.min(8, urls.length); i++) { workers.push(one()); }
      Promise.all(workers).then(function () {
        if (failed.length > 0) {
          say('Deleted with ' + failed.length + ' failures: ' + failed.slice(0, 3).join('; '), true);
          deleteSet.disabled = false;
          return;
        }
        say('Deleted ' + what + '.', false);
        window.location.reload();
      });
    });
  }

  // --- relative times ----------------------------------------------------------------------------
  function relative(then, now) {
    var seconds = (now - then) / 1000;
    var future = seconds < 0;
    var s = Math.abs(seconds);
    var amount;
    if (s < 1) { return 'just now'; }
    if (s < 60) { amount = Math.floor(s) + ' s'; }
    else if (s < 3600) { amount = Math.floor(s / 60) + ' min'; }
    else if (s < 86400) { amount = Math.floor(s / 3600) + ' h'; }
    else { amount = Math.floor(s / 86400) + ' d'; }
    return future ? 'in ' + amount : amount + ' ago';
  }

  function refreshTimes() {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll('time[datetime]:not(.rendered) .rel'), function (span) {
      var then = Date.parse(span.parentNode.getAttribute('datetime'));
      if (!isNaN(then)) { span.textContent = relative(then, now); }
    });
  }
  refreshTimes();
  window.setInterval(refreshTimes, 10000);

  // --- conveniences ------------------------------------------------------------------------------
  // "/" focuses the filter; "Expand all" opens every group on this page.
  var filter = document.getElementById('q');
  document.addEventListener('keydown', function (event) {
    if (event.key === '/' && filter && document.activeElement !== filter &&
        !(event.target instanceof HTMLInputElement) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      filter.focus();
      filter.select();
    }
  });

  var groupRows = document.querySelectorAll('details.group');
  if (counts && groupRows.length > 0) {
    var toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'toggle-all';
    toggle.textContent = 'Expand all';
    toggle.addEventListener('click', function () {
      var open = toggle.textContent === 'Expand all';
      Array.prototype.forEach.call(document.querySelectorAll('details.group'), function (d) { d.open = open; });
      toggle.textContent = open ? 'Collapse all' : 'Expand all';
    });
    counts.appendChild(document.createTextNode(' '));
    counts.appendChild(toggle);
  }
})();
