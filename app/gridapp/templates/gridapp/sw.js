/* The app's service worker: keeps the shell so the app opens with no network.
   API calls are not touched: the page keeps unsent reports in IndexedDB itself. */
var VERSION = '{{ version }}';
var CACHE = 'jiefen-app-' + VERSION;
var SHELL = {{ shell|safe }};

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (url) { return new Request(url, {cache: 'reload'}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf('jiefen-app-') === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var key = request.mode === 'navigate' && url.pathname.indexOf('/app/') === 0 ? '/app/' : url.pathname;
  if (SHELL.indexOf(key) < 0 || key === '/app/sw.js') return;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(key).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) cache.put(key, response.clone());
        return response;
      });
    });
  }));
});
