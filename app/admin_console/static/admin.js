// Enhancements only: the admin pages work without this file (coordinates can be typed).
(function () {
  // A click on the sub-district map fills in the coordinates (WGS84) and moves the pin.
  var map = document.getElementById('pick-map');
  var lon = document.getElementById('f-lon');
  var lat = document.getElementById('f-lat');
  if (!map || !lon || !lat) return;
  map.addEventListener('click', function (event) {
    var point = map.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var at = point.matrixTransform(map.getScreenCTM().inverse());
    var d = map.dataset;
    var x = parseFloat(d.west) + (at.x - parseFloat(d.pad)) / (parseFloat(d.squash) * parseFloat(d.scale));
    var y = parseFloat(d.south) + (parseFloat(d.height) - parseFloat(d.pad) - at.y) / parseFloat(d.scale);
    lon.value = x.toFixed(6);
    lat.value = y.toFixed(6);
    var wgs = document.querySelector('input[name="coord_sys"][value="wgs84"]');
    if (wgs) wgs.checked = true;
    var pin = document.getElementById('pick-pin');
    if (!pin) {
      pin = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
      pin.setAttribute('id', 'pick-pin');
      pin.setAttribute('class', 'pin');
      pin.setAttribute('r', '6');
      map.appendChild(pin);
    }
    pin.setAttribute('cx', at.x.toFixed(1));
    pin.setAttribute('cy', at.y.toFixed(1));
  });
})();
