// The feedbus page: a topic's newest events, then its live ones (older pages on demand), a publish
// form, connection counts per node, the registry's connection events and admission state. Every
// error shows below the field that caused it. Opens ?topic=<name> when given. Exposes
// window.feedbusPage (connect, disconnect, watch, loadOlder, settled, events) for scripting.
(function () {
  'use strict';

  var PAGE_SIZE = 20;
  // Past this many shown events a live one pushes the oldest out; "load older" brings them back.
  var MAX_SHOWN = 500;
  var LIFECYCLE_TYPES = ['connected', 'disconnected', 'expired', 'refused', 'closed'];

  var $ = function (id) { return document.getElementById(id); };
  var page = window.feedbusPage = {
    bus: null, subscription: null, topic: null, events: [], older: null, errors: [], pageSize: PAGE_SIZE,
    // loading | watching | failed | idle; the topic whose newest page is shown, or null
    state: 'idle', loadedTopic: null,
    // null until a management route answered; then open or closed
    management: null, lifecycle: null
  };
  var cursors = {};
  // Bumped when the list starts over (a topic switch) and when delivery restarts: late answers of an
  // earlier one are dropped.
  var listGeneration = 0;
  var liveGeneration = 0;

  // ------------------------------------------------------------------ errors beside their fields

  /** Shows err below field (topic, payload, uid, token), or clears it when err is null. */
  function fieldError(field, err) {
    var text = err ? String(err) : '';
    $(field + '-error').textContent = text;
    $(field + '-error').hidden = !text;
    if (text) {
      $(field).setAttribute('aria-invalid', 'true');
      page.errors.push(field + ': ' + text);
    } else {
      $(field).removeAttribute('aria-invalid');
    }
  }

  // A request that failed because the connection closed: the token field says why, not the caller's.
  function connectionGone(err) {
    return err && err.code === 'closed';
  }

  // ------------------------------------------------------------------ connection

  function setState(state, reason) {
    $('status').dataset.state = state;
    $('status').textContent = state === 'open' ? 'connected' : state === 'closed' ? 'disconnected' + (reason ? ': ' + reason : '') : state;
    if (state === 'open') fieldError('token', null);
    if (state === 'closed' && reason && reason !== 'by you') fieldError('token', 'closed: ' + reason);
    // This page's own socket joins (or leaves) the registry: show it without waiting for the next poll.
    if (state === 'open' || state === 'closed') setTimeout(refreshConnections, 300);
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
    // A closed bus may still report: only the current one speaks for the page.
    var bus = new Feedbus({
      token: token || null,
      onstate: function (state, reason) { if (page.bus === bus) setState(state, reason); },
      onerror: function (err) { if (page.bus === bus) fieldError('token', err); }
    });
    page.bus = bus;
    page.subscription = null;
    page.management = null; // another token may open it
    watch();
    refreshAdmission();
    if (!page.lifecycle) followLifecycle();
  }

  function disconnect() {
    if (!page.bus) return;
    var bus = page.bus;
    page.bus = null;
    bus.close();
    page.subscription = null;
    liveGeneration++;
    page.state = 'idle';
    setState('closed', 'by you');
  }

  // ------------------------------------------------------------------ timeline

  /**
   * Watches the topic in the field: its newest page, then live. The topic shown already (after a
   * reconnect) keeps its list and continues after its newest event.
   */
  function watch() {
    var topic = $('topic').value.trim();
    if (!page.bus) return;
    if (topic && topic === page.loadedTopic) {
      goLive();
    } else {
      load(topic);
    }
  }

  function load(topic) {
    var generation = ++listGeneration;
    stopLive();
    page.topic = topic || null;
    page.loadedTopic = null;
    page.events = [];
    page.older = null;
    cursors = {};
    $('events').textContent = '';
    $('cursor').textContent = 'none';
    fieldError('topic', null);
    page.state = 'loading';
    render();
    if (!topic) {
      failed('give a topic to watch');
      return;
    }
    page.bus.historyBefore(topic, null, page.pageSize).then(function (reply) {
      if (generation !== listGeneration) return;
      reply.events.forEach(function (event) { show(event, 'newest', false); });
      page.older = reply.older || null;
      page.loadedTopic = topic;
      localStorage.setItem('feedbus.topic', topic);
      goLive();
    }, function (err) {
      if (generation === listGeneration) failed(err);
    });
  }

  // Subscribes after the newest shown event ('' when none: from the topic's start), so what was
  // stored since the page was read comes first, then live: no gap, no duplicate at the seam.
  function goLive() {
    stopLive();
    var generation = liveGeneration;
    fieldError('topic', null);
    var newest = page.events.length ? page.events[page.events.length - 1].cursor : '';
    page.state = 'watching';
    page.subscription = page.bus.subscribe(page.topic, newest, function (event) {
      if (generation === liveGeneration) show(event, 'newest', true);
    }, function (err) {
      if (generation === liveGeneration) failed(err);
    });
    render();
  }

  function stopLive() {
    liveGeneration++;
    if (page.subscription) page.subscription.cancel();
    page.subscription = null;
  }

  function failed(err) {
    stopLive();
    page.state = connectionGone(err) ? 'idle' : 'failed';
    if (page.state === 'failed') fieldError('topic', err);
    render();
  }

  /** Live (or the newest page) goes on top, older pages at the bottom; a cursor shown already is skipped. */
  function show(event, where, fresh) {
    if (cursors[event.cursor]) return;
    cursors[event.cursor] = true;
    var li = eventItem(event);
    if (where === 'older') {
      page.events.unshift(event);
      $('events').appendChild(li);
    } else {
      page.events.push(event);
      if (fresh) li.className = 'fresh';
      $('events').insertBefore(li, $('events').firstChild);
      $('cursor').textContent = event.cursor;
      while (page.events.length > MAX_SHOWN) {
        delete cursors[page.events.shift().cursor];
        $('events').removeChild($('events').lastChild);
        page.older = page.events[0].cursor;
      }
    }
    render();
  }

  function eventItem(event) {
    var li = document.createElement('li');
    li.dataset.id = event.id;
    li.dataset.cursor = event.cursor;
    [['time', new Date(event.ts).toLocaleTimeString()],
      ['payload', JSON.stringify(event.payload)],
      ['cursor', event.cursor + (event.origin ? ' · ' + event.origin : '')]].forEach(function (part) {
      var span = document.createElement('span');
      span.className = part[0];
      span.textContent = part[1];
      li.appendChild(span);
    });
    return li;
  }

  function render() {
    var n = page.events.length;
    var count = n + (n === 1 ? ' event' : ' events') + (page.older ? ' (older ones not loaded)' : '');
    if (!n && page.state === 'loading') count = 'loading…';
    if (!n && (page.state === 'failed' || !page.topic)) count = 'not watching';
    $('event-count').textContent = count;
    $('load-older').hidden = !page.older;
  }

  function loadOlder() {
    if (!page.older || !page.bus || $('load-older').disabled) return;
    var generation = listGeneration;
    $('load-older').disabled = true;
    page.bus.historyBefore(page.topic, page.older, page.pageSize).then(function (reply) {
      if (generation !== listGeneration) return;
      for (var i = reply.events.length - 1; i >= 0; i--) show(reply.events[i], 'older', false);
      page.older = reply.older || null;
      render();
    }, function (err) {
      if (generation === listGeneration && !connectionGone(err)) fieldError('topic', 'could not load older events: ' + err);
    }).then(function () {
      $('load-older').disabled = false;
    });
  }

  /** True once the watched topic is live, or failed with its error shown. */
  page.settled = function () {
    return page.state === 'failed' || !!(page.subscription && page.subscription.live);
  };

  // ------------------------------------------------------------------ publish

  // JSON has no such numbers: JSON.parse('1e999') is Infinity, which would travel as null.
  function nonFinite(value) {
    if (typeof value === 'number') return !isFinite(value);
    if (value && typeof value === 'object') return Object.keys(value).some(function (k) { return nonFinite(value[k]); });
    return false;
  }

  function publish(e) {
    e.preventDefault();
    fieldError('payload', null);
    var result = $('publish-result');
    result.textContent = '';
    var payload;
    try {
      payload = JSON.parse($('payload').value);
    } catch (err) {
      fieldError('payload', 'not JSON: ' + err.message);
      return;
    }
    if (nonFinite(payload)) {
      fieldError('payload', 'invalid_number: JSON has no numbers like 1e999 or NaN');
      return;
    }
    if (!page.bus) {
      fieldError('payload', 'not connected: press Connect first');
      return;
    }
    result.textContent = 'publishing…';
    page.bus.publish(page.topic || $('topic').value.trim(), payload).then(function (ack) {
      result.textContent = 'stored at ' + ack.cursor;
    }, function (err) {
      result.textContent = '';
      fieldError(err.code === 'invalid_topic' ? 'topic' : 'payload', err);
    });
  }

  // ------------------------------------------------------------------ connections and admission

  /** A refused HTTP request: status, code and message from the JSON error body. */
  function HttpError(status, body) {
    this.status = status;
    this.code = (body && body.error) || 'error';
    this.message = (body && body.message) || String(status);
  }
  HttpError.prototype.toString = function () {
    return this.code + ': ' + this.message;
  };

  // Resolves with the JSON body, or null when the node has no such route (404).
  function getJson(path) {
    var headers = { accept: 'application/json' };
    var token = $('token').value.trim();
    if (token) headers.authorization = 'Bearer ' + token;
    return fetch(path, { headers: headers }).then(function (response) {
      if (response.status === 404) return null;
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) throw new HttpError(response.status, body);
        return body;
      });
    });
  }

  var MANAGEMENT_CLOSED = 'sign in with a token that grants admin, or open management with auth.openManagement'
      + ' (the development default, on loopback)';

  /**
   * GETs a route of the connection registry and hands its body to show. A refusal for want of
   * management access says so in every view and stops the polling until the next Connect; a 400
   * goes below field.
   */
  function managed(path, show, element, field) {
    if (page.management === 'closed') return;
    getJson(path).then(function (body) {
      if (body === null) {
        element.textContent = 'not available on this node';
        return;
      }
      page.management = 'open';
      if (field) fieldError(field, null);
      show(body);
    }, function (err) {
      if (err.status === 401 || err.status === 403) {
        managementClosed(err);
      } else if (field && err.status === 400) {
        fieldError(field, err);
      } else {
        element.textContent = 'unavailable: ' + err;
      }
    });
  }

  function managementClosed(err) {
    page.management = 'closed';
    var text = 'needs management access (' + err.code + '): ' + MANAGEMENT_CLOSED;
    $('connections').tBodies[0].innerHTML = '<tr><td class="muted"></td></tr>';
    $('connections').tBodies[0].querySelector('td').textContent = text;
    $('node-admission').textContent = text;
    $('admission').textContent = '';
    lifecycleNote(text);
  }

  function refreshConnections() {
    var body = $('connections').tBodies[0];
    managed('/connections/count-by-server', function (rows) {
      body.textContent = '';
      if (!rows.length) body.innerHTML = '<tr><td class="muted">no connections</td></tr>';
      rows.forEach(function (row) {
        var tr = document.createElement('tr');
        [[row.serverId, ''], [String(row.count), 'count']].forEach(function (cell) {
          var td = document.createElement('td');
          td.textContent = cell[0];
          td.className = cell[1];
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    }, body);
  }

  function refreshAdmission(e) {
    if (e) e.preventDefault();
    managed('/connections/settings', function (node) {
      $('node-admission').textContent = 'node ' + node.serverId + ': '
          + (node.accepting ? 'accepting new connections' : 'draining, refusing new connections')
          + ' · cap ' + (node.cap > 0 ? node.cap + ' connections' : 'none');
    }, $('node-admission'));
    var uid = $('uid').value.trim();
    if (!uid) return;
    managed('/admission/' + encodeURIComponent(uid), function (state) {
      var streams = ' (' + state.streamCount + ' of ' + state.limit + ' streams)';
      $('admission').textContent = state.uid + ': ' + (state.priority === 'BANNED' ? 'banned'
          : (state.canStream ? 'may stream' : 'at its limit') + streams + ' · priority ' + state.priority);
    }, $('admission'), 'uid');
  }

  function lifecycleNote(text) {
    var list = $('lifecycle');
    list.textContent = '';
    var item = document.createElement('li');
    item.className = 'muted';
    item.textContent = text;
    list.appendChild(item);
  }

  /** The registry's lifecycle stream, newest first: who connected, left, expired, was refused or closed. */
  function followLifecycle() {
    if (!window.EventSource) return;
    var list = $('lifecycle');
    var source = page.lifecycle = new EventSource('/connections/events');
    LIFECYCLE_TYPES.forEach(function (type) {
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
    source.onerror = function () {
      // Closed for good (a refusal, not a dropped connection, which it retries): ask why.
      if (source.readyState !== EventSource.CLOSED) return;
      page.lifecycle = null;
      getJson('/connections/settings').then(function () {
        lifecycleNote('the connection event stream closed; Connect opens it again');
      }, function (err) {
        if (err.status === 401 || err.status === 403) managementClosed(err);
        else lifecycleNote('unavailable: ' + err);
      });
    };
  }

  // ------------------------------------------------------------------ start

  var asked = new URLSearchParams(location.search).get('topic');
  $('topic').value = asked || localStorage.getItem('feedbus.topic') || 'demo';
  $('token').value = localStorage.getItem('feedbus.token') || '';
  $('watch-form').addEventListener('submit', function (e) { e.preventDefault(); watch(); });
  $('publish-form').addEventListener('submit', publish);
  $('admission-form').addEventListener('submit', refreshAdmission);
  $('uid').addEventListener('input', function () { $('uid').dataset.auto = 'false'; });
  $('connect').addEventListener('click', connect);
  $('disconnect').addEventListener('click', disconnect);
  $('load-older').addEventListener('click', loadOlder);
  page.connect = connect;
  page.disconnect = disconnect;
  page.watch = watch;
  page.loadOlder = loadOlder;

  connect();
  refreshConnections();
  setInterval(refreshConnections, 5000);
  setInterval(refreshAdmission, 5000);
})();
