/*
 * nabd website snippet: page views, custom events and identify calls, sent to the nabd
 * server that serves this file (no third party).
 *
 *   <script src="https://NABD_HOST/static/nabd.js" data-write-key="nabd_pk_…" async></script>
 *   nabd.track("add_to_cart", {sku: "X1"});  nabd.identify("user-42", {plan: "pro"});
 *
 * Events are queued, sent in batches every few seconds, retried with back-off while the
 * server cannot be reached, and flushed with navigator.sendBeacon when the page is hidden.
 * Calls made before the script loaded (window.nabdq = [["track", …], …]) are replayed.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.nabd && window.nabd.loaded) return;
  var writeKey = script.getAttribute("data-write-key");
  var endpoint = new URL("/api/v1/collect", script.src).href;
  var FLUSH_MS = 5000, BATCH = 50, MAX_QUEUE = 500, MAX_BACKOFF_MS = 60000;
  var queue = [], timer = null, backoff = FLUSH_MS, sending = false;

  function stored(name, make) {
    try {
      var value = window.localStorage.getItem(name);
      if (!value && make) { value = make(); window.localStorage.setItem(name, value); }
      return value;
    } catch (e) { return make ? make() : null; }
  }
  function remember(name, value) {
    try { window.localStorage.setItem(name, value); } catch (e) { /* private mode */ }
  }
  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "x" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  var anonymousId = stored("nabd_aid", uuid);
  var userId = stored("nabd_uid", null);

  function payload(items) {
    var body = {write_key: writeKey, anonymous_id: anonymousId, batch: items};
    if (userId) body.user_id = userId;
    return JSON.stringify(body);
  }
  function schedule(delay) {
    if (!timer) timer = window.setTimeout(flush, delay);
  }
  function enqueue(item) {
    item.event_id = uuid();
    item.timestamp = new Date().toISOString();
    queue.push(item);
    if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
    if (queue.length >= BATCH) flush(); else schedule(FLUSH_MS);
  }
  function flush() {
    timer = null;
    if (sending || !queue.length || !writeKey) return;
    var items = queue.splice(0, BATCH);
    sending = true;
    // text/plain keeps the request "simple": no CORS preflight, same as sendBeacon.
    fetch(endpoint, {method: "POST", body: payload(items), keepalive: true,
                     headers: {"Content-Type": "text/plain;charset=UTF-8"}})
      .then(function (response) {
        // 4xx other than 429 will not get better by retrying: drop the batch.
        if (response.status === 429 || response.status >= 500) throw new Error("retry");
        backoff = FLUSH_MS;
      })
      .catch(function () {
        queue = items.concat(queue);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      })
      .then(function () {
        sending = false;
        if (queue.length) schedule(backoff);
      });
  }
  function beaconAll() {
    if (!queue.length || !writeKey || !navigator.sendBeacon) return;
    while (queue.length) {
      var items = queue.splice(0, BATCH);
      var blob = new Blob([payload(items)], {type: "text/plain;charset=UTF-8"});
      if (!navigator.sendBeacon(endpoint, blob)) { queue = items.concat(queue); return; }
    }
  }

  var api = {
    loaded: true,
    page: function (properties) {
      var props = {path: location.pathname, url: location.href, title: document.title,
                   referrer: document.referrer};
      for (var key in properties || {}) props[key] = properties[key];
      enqueue({kind: "track", type: "page_view", properties: props});
    },
    track: function (type, properties, touchpoint) {
      var item = {kind: "track", type: type, properties: properties || {}};
      if (touchpoint) item.touchpoint = touchpoint;
      enqueue(item);
    },
    identify: function (id, traits) {
      userId = String(id);
      remember("nabd_uid", userId);
      enqueue({kind: "identify", user_id: userId, traits: traits || {}});
      flush();
    },
    flush: flush
  };
  var early = window.nabdq || [];
  window.nabd = api;
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") beaconAll();
  });
  window.addEventListener("pagehide", beaconAll);
  if (script.getAttribute("data-auto-page") !== "false") api.page();
  for (var i = 0; i < early.length; i++) {
    var call = early[i];
    if (api[call[0]]) api[call[0]].apply(null, call.slice(1));
  }
})();
