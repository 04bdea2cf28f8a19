// lecturegen serve: reload when a rebuild finished, at the same slide; show a failed rebuild's error.
// Injected by the development server only; never part of a build's output.
(function () {
  "use strict";
  var loaded = window.__lecturegenVersion;
  var KEY = "lecturegen-serve-position:" + location.pathname;

  function position() {
    if (window.Reveal && Reveal.isReady && Reveal.isReady()) {
      var i = Reveal.getIndices();
      return { h: i.h, v: i.v || 0, f: i.f };
    }
    return { y: window.scrollY };
  }

  function restore() {
    var saved = sessionStorage.getItem(KEY);
    if (!saved) return;
    sessionStorage.removeItem(KEY);
    var p = JSON.parse(saved);
    if (p.h !== undefined && window.Reveal) {
      var go = function () { Reveal.slide(p.h, p.v, p.f); };
      if (Reveal.isReady && Reveal.isReady()) go(); else Reveal.on("ready", go);
    } else if (p.y !== undefined) {
      window.scrollTo(0, p.y);
    }
  }

  function overlay(message) {
    var box = document.getElementById("lecturegen-overlay");
    if (!message) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "lecturegen-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;top:0;z-index:2147483647;padding:16px 20px;" +
        "background:#b00020;color:#fff;font:16px/1.4 monospace;white-space:pre-wrap;word-break:break-word;" +
        "box-shadow:0 2px 8px rgba(0,0,0,.4)";
      document.body.appendChild(box);
    }
    box.textContent = "lecturegen: the last edit did not build; showing the previous version.\n" + message;
  }

  function connect() {
    var events = new EventSource("/__lecturegen/events");
    events.onmessage = function (event) {
      var state = JSON.parse(event.data);
      if (state.version !== loaded) {
        sessionStorage.setItem(KEY, JSON.stringify(position()));
        events.close();
        location.reload();
        return;
      }
      overlay(state.error);
    };
  }

  window.addEventListener("load", function () { restore(); connect(); });
})();
