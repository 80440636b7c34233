// The scan page's duplicate hint as the resident types (without script, the first submit asks).
(function () {
  var slot = document.getElementById('duplicate-slot');
  var text = document.getElementById('description');
  if (!slot || !text || !window.fetch) return;
  var url = slot.getAttribute('data-similar-url');
  var timer = null, asked = '';
  function ask() {
    var value = text.value.trim();
    if (value.length < 4 || value === asked || slot.querySelector('#duplicate-hint')) return;
    asked = value;
    var category = document.getElementById('category_code');
    var query = '?description=' + encodeURIComponent(value) +
      (category && category.value ? '&category_code=' + encodeURIComponent(category.value) : '');
    fetch(url + query, {credentials: 'same-origin'}).then(function (response) {
      return response.status === 200 ? response.text() : '';
    }).then(function (html) {
      if (html && !slot.querySelector('#duplicate-hint')) {
        slot.innerHTML = html;
      }
    }).catch(function () {});
  }
  text.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 800);
  });
  text.addEventListener('blur', ask);
})();
