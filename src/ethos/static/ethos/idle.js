// Clear the screen when the idle timeout passes. The server signs the session out after
// ETHOS_IDLE_MINUTES without a request, but a page left open would go on showing whatever it
// showed (a client's record) until someone clicked. After the same time with no input in this
// tab, remove the page's content from the DOM (not just hide it) and offer the way back in.
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-idle-seconds]");
  var seconds = script ? parseFloat(script.dataset.idleSeconds) : NaN;
  if (!(seconds > 0)) return;
  var limit = seconds * 1000;
  var timer = null;
  var last = Date.now();
  var locked = false;
  var inputs = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart", "scroll"];

  function minutesText() {
    var minutes = Math.max(1, Math.round(seconds / 60));
    return minutes === 1 ? "1 minute" : minutes + " minutes";
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function lock() {
    if (locked) return;
    locked = true;
    inputs.forEach(function (name) { window.removeEventListener(name, reset, true); });
    var main = document.getElementById("main");
    if (main) {
      // Removed, not hidden: nothing of the record stays in the page for anyone to read.
      while (main.firstChild) main.removeChild(main.firstChild);
      // Back to this page: the server asks for sign-in (or unlock) first, and then returns here.
      var back = window.location.pathname + window.location.search;
      var panel = element("div", { "class": "narrow idle-lock", id: "idle-lock" });
      panel.appendChild(element("h1", {}, "Locked after " + minutesText() + " without activity"));
      panel.appendChild(element("p", {}, "To keep your clients' records private, Ethos has cleared this page. " +
        "Nothing you saved is lost."));
      var link = element("a", { "class": "button", href: back }, "Sign in to continue");
      var line = element("p", {});
      line.appendChild(link);
      panel.appendChild(line);
      main.appendChild(panel);
      main.focus();
    }
    document.title = "Locked · Ethos";
    try {
      // htmx keeps snapshots of earlier pages for the back button.
      window.localStorage.removeItem("htmx-history-cache");
    } catch (error) { /* storage may be unavailable; nothing was kept then */ }
  }

  function reset() {
    if (locked) return;
    // A sleeping laptop or a background tab runs timers late: input that arrives after the idle
    // time has passed locks the page instead of keeping it.
    if (Date.now() - last >= limit) {
      lock();
      return;
    }
    last = Date.now();
    if (timer !== null) window.clearTimeout(timer);
    timer = window.setTimeout(check, limit);
  }

  function check() {
    if (locked) return;
    var left = limit - (Date.now() - last);
    if (left <= 0) lock();
    else timer = window.setTimeout(check, left);
  }

  inputs.forEach(function (name) {
    window.addEventListener(name, reset, { capture: true, passive: true });
  });
  document.addEventListener("visibilitychange", check);
  timer = window.setTimeout(check, limit);
})();
