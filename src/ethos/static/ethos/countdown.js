// Keep "due in ..." countdowns of mandatory reports current while the page stays open (C3).
(function () {
  "use strict";
  function words(ms) {
    var minutes = Math.max(0, Math.round(ms / 60000));
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    var parts = [];
    if (hours) parts.push(hours + (hours === 1 ? " hour" : " hours"));
    parts.push(rest + (rest === 1 ? " minute" : " minutes"));
    return parts.join(", ");
  }
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = new Date(el.dataset.deadline).getTime() - Date.now();
      el.textContent = left > 0 ? words(left) : "no time: the deadline has passed";
    });
  }
  tick();
  setInterval(tick, 30000);
})();
