// Enhancements only: every page works without this file.
(function () {
  // Ask before the steps that cannot be taken back.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // The queue refreshes itself while nobody is typing or choosing in it.
  var every = parseInt(document.body.getAttribute('data-refresh') || '0', 10);
  if (every > 0) {
    setInterval(function () {
      var active = document.activeElement;
      var busy = active && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(active.tagName);
      if (!busy && document.visibilityState === 'visible') window.location.reload();
    }, every * 1000);
  }

  // Changing the suggested unit needs a reason: say so next to the field at once.
  var unit = document.getElementById('dispatch-unit_code');
  var reason = document.getElementById('dispatch-reason');
  if (unit && reason) {
    var sync = function () {
      var suggested = unit.getAttribute('data-suggested');
      reason.required = Boolean(suggested) && unit.value !== suggested;
    };
    unit.addEventListener('change', sync);
    sync();
  }
})();
