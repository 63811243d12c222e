// The feedbus page: a live timeline of one topic, a publish form, connection counts per node and
// admission state. Exposes window.feedbusPage (connect, disconnect, watch, events) for scripting.
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var page = window.feedbusPage = { bus: null, subscription: null, topic: null, events: [], errors: [] };

  function setState(state, reason) {
    $('status').dataset.state = state;
    $('status').textContent = state === 'open' ? 'connected' : state === 'closed' ? 'disconnected' + (reason ? ': ' + reason : '') : state;
    // This page's own socket joins (or leaves) the registry: show it without waiting for the next poll.
    if (state === 'open' || state === 'closed') setTimeout(refreshConnections, 300);
  }

  function showError(err) {
    var text = String(err);
    page.errors.push(text);
    var li = document.createElement('li');
    li.textContent = text;
    $('errors').insertBefore(li, $('errors').firstChild);
    while ($('errors').children.length > 5) $('errors').removeChild($('errors').lastChild);
  }

  function tokenSubject(token) {
    try {
      return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub || null;
    } catch (e) {
      return null;
    }
  }

  function connect() {
    if (page.bus) page.bus.close();
    var token = $('token').value.trim();
    localStorage.setItem('feedbus.token', token);
    var subject = token ? tokenSubject(token) : null;
    $('whoami').textContent = token ? 'signed in as ' + (subject || '?') : 'anonymous';
    // Follow the signed-in user unless someone typed another uid to look at.
    if (!$('uid').value || $('uid').dataset.auto === 'true') {
      $('uid').value = subject || 'anonymous';
      $('uid').dataset.auto = 'true';
    }
    setState('connecting');
    page.bus = new Feedbus({ token: token || null, onstate: setState, onerror: showError });
    watch();
    refreshAdmission();
  }

  function disconnect() {
    if (!page.bus) return;
    page.bus.close();
    page.bus = null;
    page.subscription = null;
    setState('closed', 'by you');
  }

  function watch() {
    var topic = $('topic').value.trim();
    if (!page.bus || !topic) return;
    if (topic !== page.topic) {
      page.events = [];
      $('events').textContent = '';
      $('cursor').textContent = Feedbus.storedCursor(topic) || 'none';
    }
    page.topic = topic;
    localStorage.setItem('feedbus.topic', topic);
    // undefined: resume after the cursor this browser stored for the topic (null the first time).
    page.subscription = page.bus.subscribe(topic, undefined, addEvent, showError);
  }

  function addEvent(event) {
    page.events.push(event);
    var li = document.createElement('li');
    li.className = 'fresh';
    li.dataset.id = event.id;
    li.dataset.cursor = event.cursor;
    var time = document.createElement('span');
    time.className = 'time';
    time.textContent = new Date(event.ts).toLocaleTimeString();
    var payload = document.createElement('span');
    payload.className = 'payload';
    payload.textContent = JSON.stringify(event.payload);
    var cursor = document.createElement('span');
    cursor.className = 'cursor';
    cursor.textContent = event.cursor + (event.origin ? ' · ' + event.origin : '');
    li.appendChild(time);
    li.appendChild(payload);
    li.appendChild(cursor);
    $('events').insertBefore(li, $('events').firstChild);
    while ($('events').children.length > 500) $('events').removeChild($('events').lastChild);
    $('cursor').textContent = event.cursor;
    $('event-count').textContent = page.events.length + (page.events.length === 1 ? ' event' : ' events');
  }

  function publish(e) {
    e.preventDefault();
    var result = $('publish-result');
    var payload;
    try {
      payload = JSON.parse($('payload').value);
    } catch (err) {
      result.textContent = 'not JSON: ' + err.message;
      return;
    }
    if (!page.bus) {
      result.textContent = 'not connected';
      return;
    }
    result.textContent = 'publishing…';
    page.bus.publish(page.topic || $('topic').value.trim(), payload).then(function (ack) {
      result.textContent = 'stored at ' + ack.cursor;
    }, function (err) {
      result.textContent = String(err);
      showError(err);
    });
  }

  // Endpoints of the connection registry; a node without it answers 404.
  function getJson(path) {
    return fetch(path, { headers: { accept: 'application/json' } }).then(function (response) {
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(response.status + ' ' + response.statusText);
      return response.json();
    });
  }

  function refreshConnections() {
    getJson('/connections/count-by-server').then(function (rows) {
      var body = $('connections').tBodies[0];
      body.textContent = '';
      if (rows === null) {
        body.innerHTML = '<tr><td class="muted">not available on this node</td></tr>';
        return;
      }
      if (!rows.length) body.innerHTML = '<tr><td class="muted">no connections</td></tr>';
      rows.forEach(function (row) {
        var tr = document.createElement('tr');
        var node = document.createElement('td');
        node.textContent = row.serverId;
        var count = document.createElement('td');
        count.className = 'count';
        count.textContent = String(row.count);
        tr.appendChild(node);
        tr.appendChild(count);
        body.appendChild(tr);
      });
    }, function (err) {
      $('connections').tBodies[0].innerHTML = '<tr><td class="muted"></td></tr>';
      $('connections').tBodies[0].querySelector('td').textContent = 'unavailable: ' + err.message;
    });
  }

  function refreshAdmission(e) {
    if (e) e.preventDefault();
    var uid = $('uid').value.trim();
    if (!uid) return;
    getJson('/admission/' + encodeURIComponent(uid)).then(function (state) {
      if (state === null) {
        $('admission').textContent = 'not available on this node';
        return;
      }
      $('admission').textContent = uid + ': ' + (state.canStream ? 'may stream' : 'at its limit')
        + ' (' + state.streamCount + ' stream' + (state.streamCount === 1 ? '' : 's') + ')';
    }, function (err) {
      $('admission').textContent = 'unavailable: ' + err.message;
    });
  }

  $('topic').value = localStorage.getItem('feedbus.topic') || 'demo';
  $('token').value = localStorage.getItem('feedbus.token') || '';
  $('watch-form').addEventListener('submit', function (e) { e.preventDefault(); watch(); });
  $('publish-form').addEventListener('submit', publish);
  $('admission-form').addEventListener('submit', refreshAdmission);
  $('uid').addEventListener('input', function () { $('uid').dataset.auto = 'false'; });
  $('connect').addEventListener('click', connect);
  $('disconnect').addEventListener('click', disconnect);
  page.connect = connect;
  page.disconnect = disconnect;
  page.watch = watch;

  /** The registry's lifecycle stream, newest first: who connected, left, expired, was refused or closed. */
  function followLifecycle() {
    if (!window.EventSource) return;
    var list = $('lifecycle');
    var source = new EventSource('/connections/events');
    ['connected', 'disconnected', 'expired', 'refused', 'closed'].forEach(function (type) {
      source.addEventListener(type, function (e) {
        var event = JSON.parse(e.data);
        var c = event.connection || {};
        if (list.firstChild && list.firstChild.className === 'muted') list.removeChild(list.firstChild);
        var item = document.createElement('li');
        item.dataset.type = type;
        item.textContent = new Date().toLocaleTimeString() + ' ' + type + (event.reason ? ' (' + event.reason + ')' : '')
            + ': ' + (c.uid || '?') + ' via ' + (c.transport || '?') + ' on ' + (c.serverId || '?');
        list.insertBefore(item, list.firstChild);
        while (list.children.length > 50) list.removeChild(list.lastChild);
        refreshConnections();
      });
    });
    page.lifecycle = source;
  }

  connect();
  followLifecycle();
  refreshConnections();
  setInterval(refreshConnections, 5000);
  setInterval(refreshAdmission, 5000);
})();
