/* 网格通 — the grid worker's app. Plain script, no framework.
 *
 * Every report is written to IndexedDB first (with its client_uuid and its shrunk photos) and
 * only then sent: POST /api/v1/reports/sync, then each photo with a client_uuid of its own.
 * An item leaves the phone only after the server confirmed it and each of its photos, so a
 * phone that dies mid-sync sends the rest next time, and the server files nothing twice.
 */
(function () {
  'use strict';

  var L = JSON.parse(document.getElementById('labels').textContent);
  var API = '/api/v1';
  var AUTH_KEY = 'jiefen.app.auth';
  var POLL_MS = 60000;
  var $ = function (id) { return document.getElementById(id); };

  // --- small helpers -------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'className') node.className = attrs[k];
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  // Version 7 (RFC 9562): the time in milliseconds first, then random bits. The service keeps
  // client_uuid unique by an index; random (v4) keys put each report on a leaf of it nobody
  // touched lately, a whole 8 kB page in the WAL after each checkpoint once there are a million
  // reports; keys in time order go to its right edge, as a sequence's do (bench/RESULTS.md).
  function newUuid() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    for (var i = 5, ms = Date.now(); i >= 0; i--, ms = Math.floor(ms / 256)) b[i] = ms % 256;
    b[6] = (b[6] & 15) | 112; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // Times are shown as in Shanghai whatever the phone's zone.
  function shanghai(iso) {
    if (!iso) return '';
    var d = new Date(new Date(iso).getTime() + 8 * 3600000);
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    return (d.getUTCMonth() + 1) + '月' + d.getUTCDate() + '日 ' + p(d.getUTCHours()) + ':' + p(d.getUTCMinutes());
  }

  function flash(text, bad) {
    var f = $('flash');
    f.textContent = text;
    f.className = bad ? 'flash bad' : 'flash';
    f.hidden = !text;
  }

  // --- IndexedDB: outbox (unsent), done (recently sent), kv (cached lists) ----------------------

  var dbPromise = null;
  function idb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open('jiefen-app', 1);
        open.onupgradeneeded = function () {
          var d = open.result;
          d.createObjectStore('outbox', {keyPath: 'client_uuid'});
          d.createObjectStore('done', {keyPath: 'client_uuid'});
          d.createObjectStore('kv');
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }

  function tx(stores, mode, work) {
    return idb().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(stores, mode), result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
        var got = work.apply(null, [].concat(stores).map(function (s) { return t.objectStore(s); }));
        if (got && 'onsuccess' in got) got.onsuccess = function () { result = got.result; };
        else result = got;
      });
    });
  }

  var store = {
    all: function (name) { return tx(name, 'readonly', function (s) { return s.getAll(); }); },
    put: function (name, value, key) {
      return tx(name, 'readwrite', function (s) { if (key === undefined) s.put(value); else s.put(value, key); });
    },
    get: function (name, key) { return tx(name, 'readonly', function (s) { return s.get(key); }); },
    del: function (name, key) { return tx(name, 'readwrite', function (s) { s.delete(key); }); },
    // Moved in one transaction: an item is never in neither list, nor in both.
    finish: function (item) {
      return tx(['outbox', 'done'], 'readwrite', function (outbox, done) {
        outbox.delete(item.client_uuid);
        done.put({
          client_uuid: item.client_uuid, owner: item.owner, result: item.result,
          report_id: item.report_id, tracking_no: item.tracking_no, tracking_key: item.tracking_key,
          description: item.body.description, sent_at: new Date().toISOString(),
          photos: item.photos.length
        });
      });
    }
  };

  // --- sign-in and tokens ----------------------------------------------------------------------

  function auth() {
    try { return JSON.parse(localStorage.getItem(AUTH_KEY)); } catch (e) { return null; }
  }

  function keepTokens(body) {
    var at = Date.now();
    var value = {
      access_token: body.access_token, refresh_token: body.refresh_token,
      access_until: at + (body.expires_in - 30) * 1000,
      refresh_until: at + body.refresh_expires_in * 1000,
      user: body.user
    };
    localStorage.setItem(AUTH_KEY, JSON.stringify(value));
    return value;
  }

  function forget() { localStorage.removeItem(AUTH_KEY); }

  function SignedOut() { this.name = 'SignedOut'; }

  var refreshing = null;
  function refresh() {
    if (refreshing) return refreshing;
    var held = auth();
    if (!held || Date.now() > held.refresh_until) { forget(); return Promise.reject(new SignedOut()); }
    refreshing = fetch(API + '/auth/refresh', {
      method: 'POST', cache: 'no-store',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({refresh_token: held.refresh_token})
    }).then(function (res) {
      if (res.ok) return res.json().then(keepTokens);
      var now = auth();
      // Another tab rotated the pair a moment ago: use its tokens.
      if (now && now.refresh_token !== held.refresh_token) return now;
      if (res.status >= 500 || res.status === 429) throw new Error('刷新登录失败（' + res.status + '）');
      forget();
      throw new SignedOut();
    });
    refreshing.then(done, done);
    function done() { refreshing = null; }
    return refreshing;
  }

  function accessToken() {
    var held = auth();
    if (!held) return Promise.reject(new SignedOut());
    if (Date.now() < held.access_until) return Promise.resolve(held.access_token);
    return refresh().then(function (a) { return a.access_token; });
  }

  // fetch with the bearer token; a 401 refreshes once and tries again. Network errors throw.
  function api(method, path, options) {
    options = options || {};
    function attempt(again) {
      return accessToken().then(function (token) {
        var headers = Object.assign({Authorization: 'Bearer ' + token}, options.headers || {});
        var body;
        if (options.json !== undefined) {
          headers['Content-Type'] = 'application/json';
          body = JSON.stringify(options.json);
        } else if (options.form) body = options.form;
        return fetch(API + path, {method: method, headers: headers, body: body, cache: 'no-store'});
      }).then(function (res) {
        if (res.status === 401 && again) {
          var held = auth();
          if (held) held.access_until = 0, localStorage.setItem(AUTH_KEY, JSON.stringify(held));
          return attempt(false);
        }
        if (res.status === 401) { forget(); throw new SignedOut(); }
        return res;
      });
    }
    return attempt(true);
  }

  function signIn(username, password) {
    return fetch(API + '/auth/token', {
      method: 'POST', cache: 'no-store', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({username: username, password: password})
    }).then(function (res) {
      if (res.ok) return res.json().then(keepTokens);
      if (res.status === 429) throw new Error('登录失败次数过多，请稍后再试。');
      if (res.status === 401 || res.status === 422 || res.status === 403) throw new Error('用户名或密码不正确。');
      throw new Error('暂时无法登录（' + res.status + '），请稍后再试。');
    }, function () { throw new Error('没有网络，无法登录。请联网后再试。'); });
  }

  function me() { var a = auth(); return a && a.user; }

  // --- the Chinese words for a rejected field ------------------------------------------------

  var FIELD = {
    description: '描述', category_code: '类别', location: '位置', lon: '经度', lat: '纬度',
    accuracy_m: '定位精度', coord_sys: '坐标系', occurred_at: '时间', reporter_name: '反映人姓名',
    reporter_phone: '反映人电话', parties: '当事人', name: '姓名', phone: '电话', role: '身份',
    client_uuid: '编号', channel: '来源', location_source: '位置来源', photos: '照片', _schema: ''
  };
  var MESSAGES = [
    [/unknown category/, '类别不存在，请重新选择'],
    [/retired/, '该类别已停用，请重新选择'],
    [/mobile/, '请填写正确的手机号码（11 位）'],
    [/Missing data|must not be empty|may not be null|at least one/, '请填写这一项'],
    [/future/, '时间晚于现在，请检查手机的时间'],
    [/Longer than maximum length (\d+)/, '不能超过 $1 字'],
    [/already (in use|used)/, '编号已被使用，请删除这条后重新填写'],
    [/too large|too big/, '文件太大'],
    [/not an image|cannot read|unreadable|decode/i, '无法识别的图片'],
    [/greater|less|range|between|outside/i, '超出范围'],
    [/Not a valid|must be/, '格式不正确']
  ];

  function chinese(message) {
    for (var i = 0; i < MESSAGES.length; i++) {
      var found = String(message).match(MESSAGES[i][0]);
      if (found) return MESSAGES[i][1].replace('$1', found[1] || '');
    }
    return '请检查这一项';
  }

  // {"parties": {"0": {"phone": ["..."]}}} → ["当事人 1 电话：请填写正确的手机号码（11 位）"]
  function errorLines(errors, prefix) {
    var lines = [];
    Object.keys(errors || {}).forEach(function (key) {
      var value = errors[key];
      var name = /^\d+$/.test(key) ? String(Number(key) + 1) : (key in FIELD ? FIELD[key] : key);
      var label = [prefix, name].filter(Boolean).join(' ');
      if (Array.isArray(value) && value.every(function (v) { return typeof v === 'string'; })) {
        lines.push((label ? label + '：' : '') + value.map(chinese).join('；'));
      } else if (value && typeof value === 'object') {
        lines = lines.concat(errorLines(value, label));
      }
    });
    return lines;
  }

  // --- reference data, cached for offline --------------------------------------------------------

  function cached(key, path) {
    return api('GET', path).then(function (res) {
      if (!res.ok) throw new Error(res.status);
      return res.json().then(function (body) { return store.put('kv', body, key).then(function () { return body; }); });
    }).catch(function (error) {
      if (error instanceof SignedOut) throw error;
      return store.get('kv', key);
    });
  }

  function fillCategories(tree) {
    var select = $('category'), keep = select.value;
    clear(select).appendChild(el('option', {value: '', text: '（请选择，可不选）'}));
    var children = {};
    (tree || []).forEach(function (c) { (children[c.parent_code || ''] = children[c.parent_code || ''] || []).push(c); });
    (children[''] || []).forEach(function (top) {
      var kids = children[top.code] || [];
      if (!kids.length) { select.appendChild(el('option', {value: top.code, text: top.name})); return; }
      var group = el('optgroup', {label: top.name});
      group.appendChild(el('option', {value: top.code, text: top.name + '（其他）'}));
      kids.forEach(function (k) { group.appendChild(el('option', {value: k.code, text: k.name})); });
      select.appendChild(group);
    });
    select.value = keep;
  }

  // --- position: GPS, a pin on the offline map, or typed coordinates -----------------------------

  var position = null; // {lon, lat, accuracy_m, source}
  var watching = null;
  var mapData = null;
  var POOR_M = 100;

  function showPosition() {
    var fix = $('fix');
    if (!position) { fix.textContent = '尚未定位'; fix.className = 'fix'; }
    else if (position.source === 'manual') { fix.textContent = '已手动选定位置'; fix.className = 'fix'; }
    else {
      var poor = position.accuracy_m > POOR_M;
      fix.textContent = 'GPS 定位，误差约 ' + Math.round(position.accuracy_m) + ' 米' +
        (poor ? '。误差较大，请在图上点选位置或输入坐标' : '');
      fix.className = poor ? 'fix poor' : 'fix';
    }
    if (position) {
      $('lon').value = position.lon.toFixed(6);
      $('lat').value = position.lat.toFixed(6);
    }
    drawMap();
  }

  function locate() {
    if (!navigator.geolocation) { $('fix').textContent = '这台手机不能定位，请在图上点选或输入坐标'; return; }
    if (watching !== null) navigator.geolocation.clearWatch(watching);
    $('fix').textContent = '正在定位…';
    watching = navigator.geolocation.watchPosition(function (p) {
      if (position && (position.source === 'manual' || position.kept)) return;
      // Keep the better fix while the phone improves it.
      if (position && position.source === 'device' && position.accuracy_m < p.coords.accuracy &&
          Date.now() - position.at < 60000) return;
      position = {lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy,
                  source: 'device', at: Date.now()};
      showPosition();
    }, function (error) {
      if (!position) $('fix').textContent = error.code === 1 ? '未允许定位，请在图上点选或输入坐标' : '暂时无法定位，请在图上点选或输入坐标';
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 30000});
  }

  function stopLocating() {
    if (watching !== null) navigator.geolocation.clearWatch(watching);
    watching = null;
  }

  var MAP_W = 360, MAP_H = 260, PAD = 6;
  function projection() {
    var b = mapData && mapData.bbox;
    if (!b) return null;
    var squash = Math.cos((b[1] + b[3]) / 2 * Math.PI / 180);
    var scale = Math.min((MAP_W - 2 * PAD) / Math.max((b[2] - b[0]) * squash, 1e-9),
                         (MAP_H - 2 * PAD) / Math.max(b[3] - b[1], 1e-9));
    // Centred: the unused width or height is shared out on both sides.
    var left = PAD + (MAP_W - 2 * PAD - (b[2] - b[0]) * squash * scale) / 2;
    var bottom = MAP_H - PAD - (MAP_H - 2 * PAD - (b[3] - b[1]) * scale) / 2;
    return {
      to: function (lon, lat) { return [left + (lon - b[0]) * squash * scale, bottom - (lat - b[1]) * scale]; },
      from: function (x, y) { return [b[0] + (x - left) / (squash * scale), b[1] + (bottom - y) / scale]; },
      metres: scale / 111320
    };
  }

  var SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function drawMap() {
    var box = clear($('map'));
    var p = projection();
    if (!p) { box.appendChild(el('p', {className: 'small', text: '没有网格地图（联网登录后自动下载）'})); return; }
    var root = svg('svg', {viewBox: '0 0 ' + MAP_W + ' ' + MAP_H, role: 'img', 'aria-label': '我的网格地图，点选可设定位置'});
    mapData.areas.forEach(function (area) {
      area.rings.forEach(function (ring) {
        var points = ring.map(function (c) { var xy = p.to(c[0], c[1]); return xy[0].toFixed(1) + ',' + xy[1].toFixed(1); }).join(' ');
        root.appendChild(svg('polygon', {points: points, 'class': area.level === 'grid' ? 'grid' : 'area'}));
      });
    });
    mapData.areas.forEach(function (area) {
      if (area.level !== 'grid' && mapData.areas.some(function (a) { return a.level === 'grid'; })) return;
      var xy = p.to(area.label_at[0], area.label_at[1]);
      var t = svg('text', {x: xy[0].toFixed(1), y: xy[1].toFixed(1), 'text-anchor': 'middle'});
      t.textContent = area.name;
      root.appendChild(t);
    });
    if (position) {
      var at = p.to(position.lon, position.lat);
      if (position.source === 'device') {
        root.appendChild(svg('circle', {'class': 'acc', cx: at[0], cy: at[1], r: Math.max(4, position.accuracy_m * p.metres)}));
      }
      root.appendChild(svg('circle', {'class': 'pin', cx: at[0], cy: at[1], r: 6}));
    }
    root.addEventListener('click', function (event) {
      var rect = root.getBoundingClientRect();
      var x = (event.clientX - rect.left) * MAP_W / rect.width, y = (event.clientY - rect.top) * MAP_H / rect.height;
      var lonlat = p.from(x, y);
      stopLocating();
      position = {lon: lonlat[0], lat: lonlat[1], accuracy_m: null, source: 'manual'};
      showPosition();
    });
    box.appendChild(root);
  }

  function typedPosition() {
    var lon = parseFloat($('lon').value), lat = parseFloat($('lat').value);
    if (!$('lon').value.trim() && !$('lat').value.trim()) return null;
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) return false;
    return {lon: lon, lat: lat};
  }

  ['lon', 'lat'].forEach(function (id) {
    $(id).addEventListener('change', function () {
      var typed = typedPosition();
      if (!typed) return;
      if (position && Math.abs(typed.lon - position.lon) < 1e-6 && Math.abs(typed.lat - position.lat) < 1e-6) return;
      stopLocating();
      position = {lon: typed.lon, lat: typed.lat, accuracy_m: null, source: 'manual'};
      showPosition();
    });
  });

  // --- photos: shrunk in a canvas, kept as blobs --------------------------------------------------

  var photos = []; // [{blob, name, url}]

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return resolve(file);
      var url = URL.createObjectURL(file), img = new Image();
      img.onload = function () {
        var side = L.photo_side, s = Math.min(1, side / Math.max(img.naturalWidth, img.naturalHeight));
        if (s === 1 && file.size < 1500000) { URL.revokeObjectURL(url); return resolve(file); }
        var c = document.createElement('canvas');
        c.width = Math.round(img.naturalWidth * s); c.height = Math.round(img.naturalHeight * s);
        c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        c.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, 'image/jpeg', 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  function showPhotos() {
    var list = clear($('photo-list'));
    photos.forEach(function (photo, i) {
      if (!photo.url) photo.url = URL.createObjectURL(photo.blob);
      list.appendChild(el('li', {}, [
        el('img', {src: photo.url, alt: '照片 ' + (i + 1)}),
        el('button', {type: 'button', text: '删除', 'aria-label': '删除照片 ' + (i + 1), onclick: function () {
          URL.revokeObjectURL(photo.url); photos.splice(i, 1); showPhotos();
        }})
      ]));
    });
  }

  $('photos').addEventListener('change', function () {
    var input = this, files = [].slice.call(input.files);
    $('photos-error').textContent = '';
    if (photos.length + files.length > L.max_photos) {
      $('photos-error').textContent = '最多 ' + L.max_photos + ' 张照片';
      files = files.slice(0, L.max_photos - photos.length);
    }
    $('submit').disabled = true;
    Promise.all(files.map(shrink)).then(function (blobs) {
      blobs.forEach(function (blob, i) { photos.push({blob: blob, name: files[i].name}); });
      input.value = '';
      showPhotos();
    }).then(enableSubmit, enableSubmit);
    function enableSubmit() { $('submit').disabled = false; }
  });

  // --- the report form ---------------------------------------------------------------------------

  var editing = null; // the outbox item being corrected

  function channel() { return document.querySelector('input[name=channel]:checked').value; }

  function partyRow(party) {
    var n = $('parties').children.length + 1, id = 'party-' + newUuid().slice(0, 8);
    var role = el('select', {id: id + '-role'}, L.party_roles.map(function (r) { return el('option', {value: r, text: r}); }));
    role.value = (party && party.role) || '当事人';
    var row = el('div', {className: 'party'}, [
      el('label', {'for': id + '-name', text: '当事人 ' + n + ' 姓名'}),
      el('input', {id: id + '-name', className: 'p-name', maxlength: 60, value: (party && party.name) || ''}),
      el('label', {'for': id + '-phone', text: '当事人 ' + n + ' 电话'}),
      el('input', {id: id + '-phone', className: 'p-phone', type: 'tel', inputmode: 'tel', value: (party && party.phone) || ''}),
      el('label', {'for': id + '-role', text: '当事人 ' + n + ' 身份'}),
      role,
      el('button', {type: 'button', text: '移除当事人 ' + n, onclick: function () { row.remove(); }})
    ]);
    row.querySelector('select').className = 'p-role';
    $('parties').appendChild(row);
  }

  $('add-party').addEventListener('click', function () { partyRow(null); });

  document.querySelectorAll('input[name=channel]').forEach(function (radio) {
    radio.addEventListener('change', function () { $('walkin').hidden = channel() !== 'walk_in'; });
  });

  var MOBILE = /^(\+?86)?1[3-9]\d{9}$/;

  function readForm() {
    var errors = {}, body = {};
    ['description', 'category', 'location', 'reporter_phone', 'photos'].forEach(function (k) {
      var p = $(k + '-error'); if (p) p.textContent = '';
    });
    body.description = $('description').value.trim();
    if (!body.description) errors.description = '请填写描述';
    body.channel = channel();
    body.category_code = $('category').value || null;
    var typed = typedPosition();
    if (typed === false) errors.location = '坐标格式不正确：经度 -180～180，纬度 -90～90';
    else if (typed) {
      var manual = !position || position.source === 'manual' ||
        Math.abs(typed.lon - position.lon) > 1e-6 || Math.abs(typed.lat - position.lat) > 1e-6;
      body.location = {lon: typed.lon, lat: typed.lat, coord_sys: 'wgs84'};
      if (!manual && position.accuracy_m !== null) body.location.accuracy_m = Math.round(position.accuracy_m * 10) / 10;
      body.location_source = manual ? 'manual' : 'device';
    }
    if (body.channel === 'walk_in') {
      var name = $('reporter-name').value.trim(), phone = $('reporter-phone').value.replace(/[\s-]/g, '');
      if (name) body.reporter_name = name;
      if (phone) {
        if (!MOBILE.test(phone)) errors.reporter_phone = '请填写正确的手机号码（11 位）';
        body.reporter_phone = phone;
      }
      body.parties = [];
      document.querySelectorAll('#parties .party').forEach(function (row) {
        var party = {name: row.querySelector('.p-name').value.trim(), role: row.querySelector('.p-role').value};
        var pphone = row.querySelector('.p-phone').value.replace(/[\s-]/g, '');
        if (pphone) party.phone = pphone;
        if (party.name) body.parties.push(party);
      });
    }
    Object.keys(errors).forEach(function (k) { $(k + '-error').textContent = errors[k]; });
    return Object.keys(errors).length ? null : body;
  }

  function resetForm() {
    $('report-form').reset();
    $('walkin').hidden = true;
    clear($('parties'));
    photos.forEach(function (p) { if (p.url) URL.revokeObjectURL(p.url); });
    photos = [];
    showPhotos();
    editing = null;
    $('editing').hidden = $('cancel-edit').hidden = true;
    $('submit').textContent = '提交';
    position = null;
    $('lon').value = $('lat').value = '';
    showPosition();
    // A new report is made where the worker stands now: ask the phone afresh.
    stopLocating();
    if (current === 'report') locate();
  }

  $('report-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var body = readForm();
    if (!body) { flash('请按提示修改后再提交。', true); return; }
    var item;
    if (editing) {
      item = editing;
      body.client_uuid = item.client_uuid;
      body.occurred_at = item.body.occurred_at;
      item.body = body;
      item.state = 'pending';
      item.errors = null;
    } else {
      var uuid = newUuid();
      body.client_uuid = uuid;
      body.occurred_at = new Date().toISOString();
      item = {client_uuid: uuid, owner: me().username, written_at: body.occurred_at, body: body,
              state: 'pending', photos: []};
    }
    // Photos keep their own client_uuid once made, so a corrected item resends none twice.
    var kept = {};
    item.photos.forEach(function (p) { kept[p.key] = p; });
    item.photos = photos.map(function (p, i) {
      var key = p.key || item.client_uuid + '-p' + (i + 1) + '-' + newUuid().slice(0, 4);
      return kept[key] || {key: key, blob: p.blob, name: p.name || 'photo.jpg', done: false};
    });
    store.put('outbox', item).then(function () {
      resetForm();
      flash(navigator.onLine ? '已保存，正在同步…' : '已保存到待同步，联网后自动发送。');
      render();
      if (navigator.onLine) sync();
    }, function () { flash('保存失败：手机存储空间不足？', true); });
  });

  $('cancel-edit').addEventListener('click', function () { resetForm(); go('outbox'); });

  function edit(item) {
    resetForm();
    editing = item;
    var b = item.body;
    $('description').value = b.description || '';
    $('category').value = b.category_code || '';
    document.querySelector('input[name=channel][value=' + (b.channel === 'walk_in' ? 'walk_in' : 'grid_worker') + ']').checked = true;
    $('walkin').hidden = b.channel !== 'walk_in';
    $('reporter-name').value = b.reporter_name || '';
    $('reporter-phone').value = b.reporter_phone || '';
    (b.parties || []).forEach(partyRow);
    if (b.location) {
      position = {lon: b.location.lon, lat: b.location.lat, accuracy_m: b.location.accuracy_m || null,
                  source: b.location_source === 'device' ? 'device' : 'manual', kept: true};
    }
    photos = item.photos.map(function (p) { return {blob: p.blob, name: p.name, key: p.key}; });
    showPhotos();
    showPosition();
    $('editing').hidden = $('cancel-edit').hidden = false;
    $('submit').textContent = '保存修改';
    var lines = errorLines(item.errors);
    flash('未通过：' + lines.join('；'), true);
    go('report');
  }

  // --- sync ----------------------------------------------------------------------------------------

  var syncing = null;
  var BATCH = 100;

  function mine(items) {
    var user = me();
    return items.filter(function (i) { return user && i.owner === user.username; });
  }

  function sync() {
    if (syncing) return syncing;
    if (!me()) return Promise.resolve();
    $('sync').disabled = true;
    $('sync-status').textContent = '正在同步…';
    syncing = store.all('outbox').then(mine).then(function (items) {
      var waiting = items.filter(function (i) { return i.state === 'pending'; });
      var chain = Promise.resolve();
      for (var start = 0; start < waiting.length; start += BATCH) {
        chain = chain.then(sendBatch.bind(null, waiting.slice(start, start + BATCH)));
      }
      return chain.then(function () { return store.all('outbox').then(mine); }).then(function (now) {
        return now.filter(function (i) { return i.state === 'sent'; }).reduce(function (c, item) {
          return c.then(function () { return sendPhotos(item); });
        }, Promise.resolve());
      });
    }).then(function () {
      return store.all('outbox').then(mine).then(function (left) {
        var rejected = left.filter(function (i) { return i.state === 'rejected'; }).length;
        $('sync-status').textContent = rejected ? '同步完成，' + rejected + ' 条未通过，请修改后再同步。' : '同步完成。';
      });
    }, function (error) {
      if (error instanceof SignedOut) { $('sync-status').textContent = '登录已过期，请重新登录后同步（待同步的内容仍在本机）。'; showLogin(); return; }
      $('sync-status').textContent = navigator.onLine ? '同步中断：' + (error.message || '网络错误') + '。稍后会再试。' : '没有网络，联网后自动同步。';
    }).then(function () {
      syncing = null;
      $('sync').disabled = false;
      render();
    });
    return syncing;
  }

  function sendBatch(items) {
    return api('POST', '/reports/sync', {json: {reports: items.map(function (i) { return i.body; })}})
      .then(function (res) {
        if (!res.ok) throw new Error('服务器回答 ' + res.status);
        return res.json();
      }).then(function (answer) {
        return Promise.all(answer.results.map(function (r) {
          var item = items[r.index];
          if (!item) return null;
          if (r.result === 'created' || r.result === 'existed') {
            item.state = 'sent';
            item.result = item.result || r.result;
            item.report_id = r.id;
            item.tracking_no = r.tracking_no;
            item.tracking_key = item.tracking_key || r.tracking_key || null;
          } else {
            item.state = 'rejected';
            item.errors = r.errors;
          }
          return store.put('outbox', item);
        }));
      });
  }

  function sendPhotos(item) {
    var chain = Promise.resolve();
    item.photos.forEach(function (photo) {
      if (photo.done || photo.error) return;
      chain = chain.then(function () {
        var form = new FormData();
        form.append('client_uuid', photo.key);
        form.append('photos', photo.blob, (photo.name || 'photo').replace(/\.\w+$/, '') + '.jpg');
        return api('POST', '/reports/' + item.report_id + '/photos', {form: form}).then(function (res) {
          if (res.ok) { photo.done = true; return store.put('outbox', item); }
          if (res.status >= 500 || res.status === 429 || res.status === 408) throw new Error('照片上传失败（' + res.status + '）');
          return res.json().catch(function () { return {}; }).then(function (body) {
            photo.error = errorLines(body.errors && (body.errors.files || body.errors.json || body.errors)).join('；') || ('照片未被接受（' + res.status + '）');
            return store.put('outbox', item);
          });
        });
      });
    });
    return chain.then(function () {
      if (item.photos.every(function (p) { return p.done; })) return store.finish(item);
    });
  }

  // --- the lists ------------------------------------------------------------------------------------

  function describe(item) {
    var b = item.body, where = b.location ? '有位置' : '无位置';
    return shanghai(item.written_at) + ' · ' + L.channel[b.channel] + ' · ' + where +
      ' · 照片 ' + item.photos.length + ' 张';
  }

  function outboxEntry(item) {
    var state, cls, extra = [];
    if (item.state === 'pending') { state = '等待同步'; cls = 'wait'; }
    else if (item.state === 'rejected') {
      state = '未通过'; cls = 'bad';
      errorLines(item.errors).forEach(function (line) { extra.push(el('p', {className: 'error', text: line})); });
      extra.push(el('button', {type: 'button', text: '修改', onclick: function () { edit(item); }}));
    } else {
      var done = item.photos.filter(function (p) { return p.done; }).length;
      state = (item.result === 'existed' ? '已存在' : '已提交') + ' ' + item.tracking_no + '，照片 ' + done + '/' + item.photos.length;
      cls = 'wait';
      item.photos.forEach(function (p, i) {
        if (p.error) {
          extra.push(el('p', {className: 'error', text: '照片 ' + (i + 1) + '：' + p.error}));
          extra.push(el('button', {type: 'button', text: '放弃照片 ' + (i + 1), onclick: function () {
            item.photos.splice(i, 1); store.put('outbox', item).then(function () { return sendPhotos(item); }).then(render);
          }}));
        }
      });
    }
    var remove = el('button', {type: 'button', text: '删除', onclick: function () {
      if (!confirm('删除后这条上报不会发送，确定删除？')) return;
      store.del('outbox', item.client_uuid).then(render);
    }});
    if (item.state === 'sent') remove = null;
    return el('li', {'data-uuid': item.client_uuid}, [
      el('p', {className: 'desc', text: item.body.description}),
      el('p', {className: 'meta', text: describe(item)}),
      el('p', {className: 'state ' + cls, text: state})
    ].concat(extra, [remove]));
  }

  function doneEntry(d) {
    return el('li', {}, [
      el('p', {className: 'desc', text: d.description}),
      el('p', {className: 'state ok', text: (d.result === 'existed' ? '已存在（此前已提交） ' : '已提交 ') + d.tracking_no}),
      d.tracking_key ? el('p', {className: 'meta', text: '查询码 ' + d.tracking_key + '（来访群众凭查询号和查询码查看进度）'}) : null,
      el('p', {className: 'meta', text: shanghai(d.sent_at) + ' 同步，照片 ' + d.photos + ' 张'})
    ]);
  }

  function render() {
    return Promise.all([store.all('outbox').then(mine), store.all('done').then(mine)]).then(function (lists) {
      var outbox = lists[0].sort(function (a, b) { return a.written_at < b.written_at ? -1 : 1; });
      var done = lists[1].sort(function (a, b) { return a.sent_at > b.sent_at ? -1 : 1; });
      $('outbox-count').textContent = outbox.length || '';
      var ul = clear($('outbox'));
      if (!outbox.length) ul.appendChild(el('li', {className: 'small', text: '没有待同步的上报。'}));
      outbox.forEach(function (item) { ul.appendChild(outboxEntry(item)); });
      var ok = clear($('done'));
      done.slice(0, 30).forEach(function (d) { ok.appendChild(doneEntry(d)); });
      // Keep only the newest 30 sent ones on the phone.
      done.slice(30).forEach(function (d) { store.del('done', d.client_uuid); });
    });
  }

  // --- 我的网格: my grids' cases, polled with If-None-Match ---------------------------------------

  function conditional(key, path) {
    return store.get('kv', key).then(function (old) {
      var headers = old && old.etag ? {'If-None-Match': old.etag} : {};
      return api('GET', path, {headers: headers}).then(function (res) {
        if (res.status === 304 && old) return {body: old.body, fresh: false};
        if (!res.ok) throw new Error('服务器回答 ' + res.status);
        return res.json().then(function (body) {
          return store.put('kv', {etag: res.headers.get('ETag'), body: body}, key).then(function () { return {body: body, fresh: true}; });
        });
      }, function (error) {
        if (error instanceof SignedOut || !old) throw error;
        return {body: old.body, fresh: false, offline: true};
      });
    });
  }

  function caseLine(r) {
    var card = r.card && r.card !== 'none' ? el('span', {className: 'card-' + r.card, text: r.card === 'red' ? ' 红牌' : ' 黄牌'}) : null;
    return el('li', {}, [
      el('a', {href: '#cases/' + r.id, text: r.tracking_no}),
      ' ', el('span', {className: 'state', text: L.status[r.status] || r.status}), card,
      el('p', {className: 'desc', text: r.description.length > 60 ? r.description.slice(0, 60) + '…' : r.description}),
      el('p', {className: 'meta', text: shanghai(r.created_at) + ' · ' + (L.channel[r.channel] || r.channel)})
    ]);
  }

  var pollTimer = null;
  function loadCases() {
    return conditional('cases', '/reports?limit=50').then(function (got) {
      $('cases-status').textContent = got.offline ? '离线：显示上次的列表。' : (got.fresh ? '已更新 ' : '没有变化 ') + shanghai(new Date().toISOString());
      var ul = clear($('cases'));
      if (!got.body.items.length) ul.appendChild(el('li', {className: 'small', text: '网格内还没有案件。'}));
      got.body.items.forEach(function (r) { ul.appendChild(caseLine(r)); });
    }).catch(failed($('cases-status')));
  }

  function failed(where) {
    return function (error) {
      if (error instanceof SignedOut) { showLogin(); return; }
      where.textContent = navigator.onLine ? '加载失败：' + error.message : '没有网络，联网后再看。';
    };
  }

  function timelineLine(e) {
    var text = L.action[e.action] || e.action;
    if (e.action === 'dispatch' && e.payload && e.payload.unit_name) text += '至 ' + e.payload.unit_name;
    if (e.action === 'follow_up' && e.payload) text += '（' + (L.method[e.payload.method] || '') + '）：' + (L.satisfaction[e.payload.satisfaction] || '');
    if (e.reason) text += '。' + e.reason;
    return el('li', {}, [el('span', {className: 'meta', text: shanghai(e.created_at) + ' '}), text]);
  }

  function showCase(id) {
    var box = $('case');
    box.hidden = false;
    clear(box).appendChild(el('p', {className: 'small', text: '正在加载…'}));
    conditional('case-' + id, '/reports/' + id).then(function (got) {
      var r = got.body;
      clear(box);
      box.appendChild(el('h2', {text: r.tracking_no + ' ' + (L.status[r.status] || r.status)}));
      box.appendChild(el('p', {className: 'desc', text: r.description}));
      var facts = [L.channel[r.channel] || r.channel];
      if (r.risk_level) facts.push('风险 ' + L.risk[r.risk_level]);
      if (r.due_at) facts.push('办理期限 ' + shanghai(r.due_at));
      if (r.outcome) facts.push(L.outcome[r.outcome] || r.outcome);
      box.appendChild(el('p', {className: 'meta', text: facts.join(' · ')}));
      box.appendChild(el('h3', {text: '办理经过'}));
      box.appendChild(el('ol', {className: 'timeline', 'aria-label': '办理经过'}, r.timeline.map(timelineLine)));
      box.appendChild(el('a', {href: '#cases', text: '返回列表'}));
      box.scrollIntoView();
    }).catch(failed(box));
  }

  // --- 回访: resolved cases in my areas nobody has called back yet --------------------------------

  var SATISFACTION_ORDER = ['satisfied', 'basically_satisfied', 'dissatisfied'];

  function callbackForm(r) {
    var id = 'cb-' + r.id, message = el('p', {className: 'error', role: 'alert'});
    var radios = SATISFACTION_ORDER.map(function (s) {
      return el('label', {className: 'choice'}, [el('input', {type: 'radio', name: id + '-s', value: s}), ' ' + L.satisfaction[s]]);
    });
    var method = el('select', {id: id + '-m'}, Object.keys(L.method).map(function (m) { return el('option', {value: m, text: L.method[m]}); }));
    var note = el('textarea', {id: id + '-n', rows: 2, maxlength: 2000});
    var phone = r.reporter_phone && /^\d{11}$/.test(r.reporter_phone)
      ? el('a', {href: 'tel:' + r.reporter_phone, text: r.reporter_phone}) : (r.reporter_phone || '无电话（本人上报或未留）');
    var form = el('form', {className: 'panel', 'aria-label': '回访 ' + r.tracking_no}, [
      el('h2', {text: r.tracking_no}),
      el('p', {className: 'desc', text: r.description}),
      el('p', {className: 'meta', text: '办结 ' + shanghai(r.resolved_at) + (r.outcome ? ' · ' + L.outcome[r.outcome] : '')}),
      el('p', {}, ['反映人电话：', phone]),
      el('fieldset', {}, [el('legend', {text: '满意度'})].concat(radios)),
      el('label', {'for': id + '-m', text: '回访方式'}), method,
      el('label', {'for': id + '-n', text: '说明'}), note,
      message,
      el('button', {type: 'submit', className: 'primary', text: '回访'})
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var chosen = form.querySelector('input[type=radio]:checked');
      if (!chosen) { message.textContent = '请选择满意度'; return; }
      var body = {satisfaction: chosen.value, method: method.value, version: r.version};
      if (note.value.trim()) body.note = note.value.trim();
      form.querySelector('button[type=submit]').disabled = true;
      api('POST', '/reports/' + r.id + '/follow-up', {json: body, headers: {'Idempotency-Key': id + '-' + r.version}}).then(function (res) {
        if (res.ok) { flash(r.tracking_no + '：已回访'); form.remove(); return; }
        return res.json().catch(function () { return {}; }).then(function (b) {
          message.textContent = res.status === 409 ? '案件已有变化（可能已有人回访），请刷新列表。' :
            (errorLines(b.errors && b.errors.json).join('；') || '回访没有成功（' + res.status + '）');
        });
      }, function (error) {
        if (error instanceof SignedOut) return showLogin();
        message.textContent = '没有网络，回访需要联网后提交。';
      }).then(function () { var b = form.querySelector('button[type=submit]'); if (b) b.disabled = false; });
    });
    return form;
  }

  function loadCallbacks() {
    return conditional('callbacks', '/reports?status=resolved&limit=50').then(function (got) {
      var waiting = got.body.items.filter(function (r) { return !r.satisfaction; });
      $('callbacks-status').textContent = waiting.length ? '待回访 ' + waiting.length + ' 件' : '没有待回访的案件。';
      var box = clear($('callbacks'));
      waiting.forEach(function (r) { box.appendChild(callbackForm(r)); });
    }).catch(failed($('callbacks-status')));
  }

  // --- views and start-up --------------------------------------------------------------------------

  var VIEWS = ['login', 'report', 'outbox', 'cases', 'callbacks'];
  var current = null;

  function go(view, keep) {
    if (!keep && location.hash.slice(1) !== view) { location.hash = view; return; }
    show(view);
  }

  function show(view, detail) {
    if (!me()) view = 'login';
    current = view;
    VIEWS.forEach(function (v) { $('view-' + v).hidden = v !== view; });
    $('tabs').hidden = $('who').hidden = view === 'login';
    document.querySelectorAll('#tabs a').forEach(function (a) {
      if (a.getAttribute('href') === '#' + view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    clearInterval(pollTimer);
    if (view === 'report' && watching === null && !(position && position.source === 'manual')) locate();
    if (view !== 'report') stopLocating();
    if (view === 'outbox') render();
    if (view === 'cases') {
      $('case').hidden = !detail;
      if (detail) showCase(detail); else loadCases();
      pollTimer = setInterval(function () { if (!document.hidden && !detail) loadCases(); }, POLL_MS);
    }
    if (view === 'callbacks') loadCallbacks();
  }

  function route() {
    var parts = location.hash.slice(1).split('/');
    show(VIEWS.indexOf(parts[0]) > 0 ? parts[0] : 'report', parts[1]);
  }

  function showLogin() {
    stopLocating();
    show('login');
    $('username').focus();
  }

  function signedIn() {
    var user = me();
    $('who-name').textContent = user.display_name || user.username;
    return Promise.all([
      cached('categories', '/categories').then(fillCategories),
      cached('map', '/me/map').then(function (m) { mapData = m; drawMap(); })
    ]).catch(function (error) { if (error instanceof SignedOut) showLogin(); });
  }

  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var button = this.querySelector('button');
    $('login-error').textContent = '';
    button.disabled = true;
    signIn($('username').value.trim(), $('password').value).then(function () {
      $('password').value = '';
      flash('');
      signedIn().then(function () { if (navigator.onLine) sync(); });
      route();
      render();
    }, function (error) {
      $('login-error').textContent = error.message;
    }).then(function () { button.disabled = false; });
  });

  $('logout').addEventListener('click', function () {
    store.all('outbox').then(mine).then(function (left) {
      if (left.length && !confirm('还有 ' + left.length + ' 条待同步，退出后保存在本机，下次登录再同步。确定退出？')) return;
      return api('POST', '/auth/logout').then(function (res) {
        if (!res.ok && res.status !== 401) throw new Error(res.status);
        forget();
        resetForm();
        flash('已退出。');
        showLogin();
      }, function (error) {
        if (error instanceof SignedOut) { showLogin(); return; }
        flash('退出需要联网（以便作废本机的登录凭证），请联网后再试。', true);
      });
    });
  });

  $('sync').addEventListener('click', function () { sync(); });

  $('locate').addEventListener('click', function () {
    position = null;
    stopLocating();
    locate();
  });

  // A tab tapped again shows its view afresh (the hash does not change, so no hashchange).
  $('tabs').addEventListener('click', function (event) {
    var link = event.target.closest('a');
    if (link && link.getAttribute('href') === location.hash) { event.preventDefault(); route(); }
  });

  function network() {
    var on = navigator.onLine;
    $('net').textContent = on ? '在线' : '离线';
    $('net').className = on ? 'net' : 'net off';
  }

  window.addEventListener('online', function () {
    network();
    if (me()) { signedIn(); sync(); }
  });
  window.addEventListener('offline', function () {
    network();
    if (!syncing) $('sync-status').textContent = '离线：新的上报保存在本机，联网后自动同步。';
  });
  window.addEventListener('hashchange', route);

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/app/sw.js', {scope: '/app/'}).catch(function () {});
  }

  network();
  fillCategories([]);
  Promise.all([store.get('kv', 'categories'), store.get('kv', 'map')]).then(function (got) {
    fillCategories(got[0]);
    mapData = got[1] || null;
    drawMap();
  }).catch(function () {}).then(function () {
    route();
    render();
    document.documentElement.setAttribute('data-ready', '1');
    if (window.performance && performance.mark) performance.mark('jiefen-ready');
    if (me() && navigator.onLine) signedIn().then(function () { sync(); });
  });
})();
