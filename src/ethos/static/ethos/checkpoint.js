// Remember the last audit checkpoint this browser saw, and at sign-in ask the server to prove
// that today's log still extends it. If it cannot, say so loudly.
(function () {
  "use strict";
  var watch = document.getElementById("audit-watch");
  if (!watch || !window.fetch || !window.localStorage) return;
  var storageKey = "ethos.checkpoint." + watch.dataset.coach;
  var current = watch.dataset.checkpoint;
  var kept = window.localStorage.getItem(storageKey);
  function remember(text) {
    if (text) window.localStorage.setItem(storageKey, text);
  }
  if (!kept) {
    remember(current);
    return;
  }
  var body = new URLSearchParams();
  body.set("checkpoint", kept);
  fetch(watch.dataset.url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": watch.dataset.csrf },
    body: body,
  })
    .then(function (response) { return response.json(); })
    .then(function (result) {
      if (result.ok) {
        remember(result.checkpoint);
        return;
      }
      watch.querySelector("[data-message]").textContent = result.message;
      watch.hidden = false;
    })
    .catch(function () {
      watch.querySelector("[data-message]").textContent =
        "Ethos could not check your activity log against this browser's last checkpoint.";
      watch.hidden = false;
    });
})();
