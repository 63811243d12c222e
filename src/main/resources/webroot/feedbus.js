/*
 * feedbus for browsers: a thin layer over the Vert.x event bus bridge client.
 *
 *   var bus = new Feedbus({ token: jwtOrNull });          // connects to /eventbus
 *   // the token goes in the cookie feedbus_token (path of the bridge, SameSite=Strict), not in the
 *   // URL, which proxies and access logs keep; options.tokenIn: 'url' sends ?access_token= instead
 *   // (a bridge on another origin, which cannot receive this page's cookie)
 *   // options.transports: SockJS transports to try, e.g. ['xhr-streaming', 'xhr-polling'] (default: all)
 *   bus.publish('orders', { order: 42 }).then(ack => ...); // {id, cursor, ts}
 *   var sub = bus.subscribe('orders', lastCursor, event => ..., err => ...);
 *   bus.historyBefore('orders', null, 20).then(page => ...);  // the newest 20 (oldest first), page.older: read on before it
 *   // options.fields: this connection's own fields, e.g. { channel: '#general' } (the ones presence.clientFields allows)
 *   bus.onDirect(payload => ...);                          // messages sent to this connection (/connections/send)
 *   bus.onPresence('orders', notice => ...);               // {type: 'join'|'leave', topic, connection}
 *
 * subscribe() replays every event after the cursor, then goes live, with no gap and no duplicate
 * (the same algorithm as the Java client's ReplayingSubscription): it listens live first and buffers,
 * pages through feedbus.history until it is exhausted, then hands over the buffered live events.
 * An event is delivered only when its cursor is after the last one delivered: live events come in
 * cursor order and history shows no event before every earlier one is readable, so that drops exactly
 * what history and live both brought, with no window of time or set of ids to keep. The last cursor is kept in localStorage, so a reload or a
 * reconnect resumes where it left off. Needs sockjs.min.js and vertx-eventbus.js loaded first.
 */
(function (global) {
  'use strict';

  var TOPIC_PREFIX = 'feedbus.topic.';
  var DROPPED_ADDRESS = 'feedbus.bridge.dropped';
  var CLOSING_ADDRESS = 'feedbus.bridge.closing';
  var DIRECT_ADDRESS = 'feedbus.direct';
  var PRESENCE_PREFIX = 'feedbus.presence.';
  var REPLAY_PAGE = 500;

  function cursorKey(topic) {
    return 'feedbus.cursor.' + topic;
  }

  /** A failure from the bridge or a service: code ("forbidden", ...), status (403, ...), message. */
  function FeedbusError(failure) {
    var text = (failure && failure.message) || String(failure && failure.body || 'failed');
    var colon = text.indexOf(': ');
    this.status = failure && failure.failureCode;
    this.code = colon > 0 && /^[a-z_]+$/.test(text.substring(0, colon)) ? text.substring(0, colon) : 'error';
    this.message = colon > 0 && this.code !== 'error' ? text.substring(colon + 2) : text;
  }
  FeedbusError.prototype.toString = function () {
    return this.code + ': ' + this.message;
  };

  var TOKEN_COOKIE = 'feedbus_token';

  /** Sets (or, without a token, clears) the token cookie for the bridge's path only. */
  function setTokenCookie(url, token) {
    var path = new URL(url, global.location.href).pathname;
    var secure = global.location.protocol === 'https:' ? '; Secure' : '';
    global.document.cookie = TOKEN_COOKIE + '=' + (token || '') + '; Path=' + path + '; SameSite=Strict' + secure
        + (token ? '' : '; Max-Age=0');
  }

  function Feedbus(options) {
    var self = this;
    options = options || {};
    var url = options.url || '/eventbus';
    if (options.tokenIn === 'url') {
      if (options.token) {
        url += (url.indexOf('?') < 0 ? '?' : '&') + 'access_token=' + encodeURIComponent(options.token);
      }
    } else {
      setTokenCookie(url, options.token);
    }
    Object.keys(options.fields || {}).forEach(function (name) {
      url += (url.indexOf('?') < 0 ? '?' : '&') + encodeURIComponent(name) + '=' + encodeURIComponent(options.fields[name]);
    });
    this.directHandlers = [];
    this.presenceListeners = [];
    this.subscriptions = {};
    this.closeReason = null;
    this.onstate = options.onstate || function () {};
    this.onerror = options.onerror || function (e) { console.error('feedbus: ' + e); };
    this.persistCursors = options.persistCursors !== false;
    this.eb = new EventBus(url, options.transports ? { transports: options.transports } : {});
    this.eb.enableReconnect(options.reconnect !== false);
    this._ready = new Promise(function (resolve, reject) {
      self.eb.onopen = function () {
        self.onstate('open');
        resolve(self);
      };
      self.eb.onclose = function (e) {
        self.onstate('closed', self.closeReason || (e && e.reason) || 'connection closed');
        reject(new FeedbusError({ message: 'closed: ' + (self.closeReason || 'connection closed') }));
      };
    });
    this._ready.catch(function () {});
    this.eb.onreconnect = function () {
      self.closeReason = null;
      self.onstate('open');
      self.presenceListeners.forEach(function (p) {
        self.eb.registerHandler(p.address, {}, p.listener);
      });
      // The new connection has no registrations: resume each subscription where its delivery stopped.
      Object.keys(self.subscriptions).forEach(function (topic) {
        self.subscriptions[topic]._resume();
      });
    };
    this.eb.onunhandled = function (json) {
      if (json.address === DROPPED_ADDRESS) {
        // Events were dropped while this browser was slow, and nothing of their topics after the first
        // dropped one was sent before this notice: read them from history.
        var firstDropped = json.body.firstDropped || {};
        (json.body.topics || []).forEach(function (topic) {
          var sub = self.subscriptions[topic];
          if (sub) sub._resync(firstDropped[topic]);
        });
      } else if (json.address === DIRECT_ADDRESS) {
        self.directHandlers.forEach(function (handler) {
          handler(json.body);
        });
      } else if (json.address === CLOSING_ADDRESS) {
        self.closeReason = json.body.reason;
        if (json.body.code === 4401) self.eb.enableReconnect(false);
      } else if (json.type === 'err' && json.body !== 'rejected') {
        // "rejected" follows a refusal already reported with its reason.
        self.onerror(new FeedbusError(json));
      }
    };
  }

  /** Resolves once the connection is open. */
  Feedbus.prototype.ready = function () {
    return this._ready;
  };

  var RETRIES = 8;

  // Refusals worth asking again for, a little later: the bridge refused the request before it reached
  // the service (too_many_requests: this connection had bridge.maxRequestsInFlight awaiting answers),
  // or a history page did not fit this connection's write queue (slow_consumer; reading is safe to repeat).
  function retryable(address, error) {
    return error.code === 'too_many_requests' || (error.code === 'slow_consumer' && address === 'feedbus.history');
  }

  /** Request/reply on the bridge; resolves with the reply body, rejects with a FeedbusError. */
  Feedbus.prototype.request = function (address, body) {
    var self = this;
    return this._ready.then(function () {
      return self._ask(address, body, 0);
    });
  };

  Feedbus.prototype._ask = function (address, body, attempt) {
    var self = this;
    return new Promise(function (resolve, reject) {
      try {
        self.eb.send(address, body, {}, function (err, reply) {
          if (!err) {
            resolve(reply.body);
            return;
          }
          var error = new FeedbusError(err);
          if (attempt < RETRIES && retryable(address, error)) {
            setTimeout(function () {
              self._ask(address, body, attempt + 1).then(resolve, reject);
            }, Math.min(2000, 100 << attempt));
          } else {
            reject(error);
          }
        });
      } catch (e) {
        reject(new FeedbusError({ message: 'closed: ' + e.message }));
      }
    });
  };

  /** Calls handler(payload) for each message sent to this connection (POST /connections/send). */
  Feedbus.prototype.onDirect = function (handler) {
    this.directHandlers.push(handler);
  };

  /**
   * Calls handler({type: 'join'|'leave', topic, connection}) as connections start or stop listening
   * to topic live (needs the subscribe right on it). Returns a function that stops it.
   */
  Feedbus.prototype.onPresence = function (topic, handler) {
    var self = this;
    var entry = {
      address: PRESENCE_PREFIX + topic,
      listener: function (err, message) {
        if (!err) handler(message.body);
      }
    };
    this.presenceListeners.push(entry);
    this._ready.then(function () {
      self.eb.registerHandler(entry.address, {}, entry.listener);
    });
    return function () {
      self.presenceListeners = self.presenceListeners.filter(function (p) { return p !== entry; });
      try {
        self.eb.unregisterHandler(entry.address, {}, entry.listener);
      } catch (e) { /* closed already */ }
    };
  };

  /** Publishes; resolves with the ack {id, cursor, ts} once the event is stored. */
  Feedbus.prototype.publish = function (topic, payload, headers, persist) {
    var body = { topic: topic, payload: payload };
    if (headers) body.headers = headers;
    if (persist === false) body.persist = false;
    return this.request('feedbus.publish', body);
  };

  /** One page of history after a cursor (null: from the start): {events, next?}. */
  Feedbus.prototype.history = function (topic, after, limit) {
    var body = { topic: topic, limit: limit || 100 };
    if (after) body.after = after;
    return this.request('feedbus.history', body);
  };

  /**
   * The newest page of history before a cursor (null: the newest of the topic), oldest first:
   * {events, older?}, where older, there when older events exist, is the cursor to read on before.
   */
  Feedbus.prototype.historyBefore = function (topic, before, limit) {
    return this.request('feedbus.history', { topic: topic, before: before || 'end', limit: limit || 100 });
  };

  // One page of a subscription's replay, after a cursor ({after}) or from a time on ({since}).
  Feedbus.prototype._replayPage = function (topic, start) {
    var body = { topic: topic, limit: REPLAY_PAGE };
    if (start.after) body.after = start.after;
    if (typeof start.since === 'number') body.since = start.since;
    return this.request('feedbus.history', body);
  };

  /** The cursor the last subscription to topic saw on this browser (localStorage), or null. */
  Feedbus.storedCursor = function (topic) {
    try {
      return global.localStorage.getItem(cursorKey(topic));
    } catch (e) {
      return null;
    }
  };

  /**
   * Delivers every event of topic after fromCursor (null: only new events; undefined: the stored
   * cursor; '': every stored event, from the start) to onEvent, in order, replay then live. onError
   * gets refusals and failures. After historyBefore, the newest page's last cursor (or '' when it was
   * empty) continues it live with no gap and no duplicate.
   */
  Feedbus.prototype.subscribe = function (topic, fromCursor, onEvent, onError) {
    if (this.subscriptions[topic]) this.subscriptions[topic].cancel();
    var sub = new Subscription(this, topic, onEvent, onError || this.onerror);
    this.subscriptions[topic] = sub;
    var from = fromCursor === undefined ? Feedbus.storedCursor(topic) : fromCursor;
    this._ready.then(function () { sub._start(from); }, function () {});
    return sub;
  };

  /** Closes the connection for good (no reconnect). */
  Feedbus.prototype.close = function () {
    this.subscriptions = {};
    try {
      this.eb.close();
    } catch (e) {
      // already closed
    }
  };

  function Subscription(bus, topic, onEvent, onError) {
    var self = this;
    this.bus = bus;
    this.topic = topic;
    this.onEvent = onEvent;
    this.onError = onError;
    this.lastCursor = null;
    // Before anything was delivered, the first event the bridge dropped ({cursor, ts}): delivery starts there.
    this._floor = null;
    this.live = false;
    this.cancelled = false;
    this._generation = 0;
    this._handler = function (err, message) {
      if (err) {
        self.cancel();
        self.onError(new FeedbusError(err));
        return;
      }
      self._onLive(message.body);
    };
  }

  Subscription.prototype._start = function (from) {
    this.lastCursor = from == null ? null : from; // '' is before every cursor: replay from the start
    this._floor = null;
    this._resume();
  };

  // Registers on this connection and reads history from where delivery stopped.
  Subscription.prototype._resume = function () {
    this._handlerRegistered = false;
    this._register();
    this._replay(this._position());
  };

  // Where reading resumes: after the last delivered cursor; before any delivery, at the time of the
  // first dropped event; with neither, nowhere (live only).
  Subscription.prototype._position = function () {
    if (this.lastCursor !== null) return { after: this.lastCursor };
    if (this._floor !== null) return { since: this._floor.ts };
    return null;
  };

  Subscription.prototype._register = function () {
    try {
      this.bus.eb.registerHandler(TOPIC_PREFIX + this.topic, this._handler);
      this._handlerRegistered = true;
    } catch (e) {
      this.onError(new FeedbusError({ message: 'closed: ' + e.message }));
    }
  };

  // Listens live (buffering) while history is read from `start` ({after} or {since}; null: not at
  // all), then switches to live.
  Subscription.prototype._replay = function (start) {
    var self = this;
    var generation = ++this._generation;
    this.live = false;
    this._buffer = [];
    if (!start) {
      this._goLive();
      return;
    }
    var page = function (request) {
      return self.bus._replayPage(self.topic, request).then(function (result) {
        if (generation !== self._generation || self.cancelled) return;
        result.events.forEach(function (event) { self._deliver(event); });
        // The server may cap a page below REPLAY_PAGE (history.maxLimit): the end is where no `next` comes.
        if (result.next && result.events.length) return page({ after: result.next });
      });
    };
    page(start).then(function () {
      if (generation === self._generation) self._goLive();
    }, function (err) {
      if (generation === self._generation) self.onError(err);
    });
  };

  Subscription.prototype._goLive = function () {
    var buffered = this._buffer;
    this._buffer = [];
    for (var i = 0; i < buffered.length; i++) this._deliver(buffered[i]);
    this.live = true;
  };

  // After the bridge dropped events of this topic (this browser read too slowly): it sent nothing of
  // the topic after the first dropped one until its notice, so the last delivered cursor is before
  // them all. Read them from history, buffering what arrives live meanwhile. Before any delivery,
  // the earliest first dropped event is where delivery starts.
  Subscription.prototype._resync = function (firstDropped) {
    if (this.cancelled) return;
    if (this.lastCursor === null && this._floor === null && firstDropped && firstDropped.cursor) this._floor = firstDropped;
    this._replay(this._position());
  };

  Subscription.prototype._onLive = function (event) {
    if (this.live) this._deliver(event); else this._buffer.push(event);
  };

  // Delivers an event after the last one delivered (cursors compare as strings); anything else was
  // delivered already. Before the first delivery after a drop, nothing before the first dropped event.
  Subscription.prototype._deliver = function (event) {
    if (this.cancelled) return;
    if (this.lastCursor !== null ? event.cursor <= this.lastCursor : this._floor !== null && event.cursor < this._floor.cursor) return;
    this.lastCursor = event.cursor;
    if (this.bus.persistCursors) {
      try {
        global.localStorage.setItem(cursorKey(this.topic), event.cursor);
      } catch (e) {
        // storage full or disabled: resuming after a reload starts from live
      }
    }
    this.onEvent(event);
  };

  Subscription.prototype.cancel = function () {
    this.cancelled = true;
    if (this.bus.subscriptions[this.topic] === this) delete this.bus.subscriptions[this.topic];
    try {
      if (this._handlerRegistered) this.bus.eb.unregisterHandler(TOPIC_PREFIX + this.topic, this._handler);
    } catch (e) {
      // connection already closed
    }
  };

  global.Feedbus = Feedbus;
  global.FeedbusError = FeedbusError;
})(this);
