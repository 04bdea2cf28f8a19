// Fit every slide into reveal's slide box without letting any text drop below the readable
// minimum (MIN_PX in slide pixels; reveal scales a 1280 x 720 slide by ~0.96 on a 1280 x 720
// screen, so 19 px stays >= 18 px on the projector). In order, as far as needed:
//   1. figures shrink, but only while their smallest text (data-min-font-pt) stays >= MIN_PX;
//   2. code blocks and tables step down from their styled size to MIN_PX;
//   3. code side by side (.columns) is stacked, a line still too wide wraps (class lg-wrap);
//   4. code still taller than the slide scrolls (class lg-scroll): nothing is ever cut off.
(function () {
  "use strict";
  var MIN_PX = 19;

  function box() { var c = Reveal.getConfig(); return { w: c.width, h: c.height }; }
  function tooTall(section) { return section.scrollHeight > box().h + 1; }
  function wideOnes(section) {
    return Array.prototype.filter.call(section.querySelectorAll("pre, table"), function (el) {
      var limit = el.tagName === "PRE" ? el.clientWidth : section.clientWidth;
      return el.scrollWidth > limit + 1 || el.getBoundingClientRect().right > section.getBoundingClientRect().right + 1;
    });
  }
  function minFigureHeight(img) {
    // text at natural size is pt * 4/3 CSS px; keep it at MIN_PX or more
    var pt = parseFloat(img.dataset.minFontPt || "0");
    if (!pt || !img.naturalHeight) return 0;
    return Math.ceil(img.naturalHeight * MIN_PX / (pt * 4 / 3));
  }
  function shrinkFigures(section) {
    var imgs = section.querySelectorAll("img.figure");
    imgs.forEach(function (img) {
      var excess = section.scrollHeight - box().h;
      if (excess <= 0) return;
      var now = img.getBoundingClientRect().height / (Reveal.getScale() || 1);
      var floor = minFigureHeight(img);
      var target = Math.max(now - excess / imgs.length, floor);
      if (target < now) img.style.maxHeight = Math.floor(target) + "px";
    });
  }
  function shrinkText(section) {
    var blocks = section.querySelectorAll(".highlight, table");
    if (!blocks.length) return;
    var sizes = Array.prototype.map.call(blocks, function (el) { return parseFloat(getComputedStyle(el).fontSize); });
    while (tooTall(section) || wideOnes(section).length) {
      var changed = false;
      blocks.forEach(function (el, i) {
        if (sizes[i] > MIN_PX) { sizes[i] -= 1; el.style.fontSize = sizes[i] + "px"; changed = true; }
      });
      if (!changed) break;
    }
  }
  function unwiden(section) {
    if (!wideOnes(section).length) return;
    section.querySelectorAll(".columns").forEach(function (c) { c.classList.add("lg-stacked"); });
    wideOnes(section).forEach(function (el) { if (el.tagName === "PRE") el.classList.add("lg-wrap"); });
  }
  function scrollCode(section) {
    var pres = Array.prototype.slice.call(section.querySelectorAll("pre"));
    pres.sort(function (a, b) { return b.scrollHeight - a.scrollHeight; });
    pres.forEach(function (pre) {
      var excess = section.scrollHeight - box().h;
      if (excess <= 0) return;
      pre.style.maxHeight = Math.max(pre.clientHeight - excess, 4 * MIN_PX) + "px";
      pre.classList.add("lg-scroll");
    });
  }
  function fit(section) {
    if (!section || section.dataset.lgFitted === "1" || !section.offsetHeight) return;
    shrinkFigures(section);
    shrinkText(section);
    unwiden(section);
    shrinkText(section);
    scrollCode(section);
    section.dataset.lgFitted = "1";
  }
  function fitCurrent() { fit(Reveal.getCurrentSlide()); Reveal.layout(); }
  function whenImagesLoaded(section, then) {
    // measure with the real font (inlined, but decoded asynchronously) and the figures' real sizes
    if (document.fonts && document.fonts.status !== "loaded") {
      document.fonts.ready.then(function () { whenImagesLoaded(section, then); });
      return;
    }
    var pending = Array.prototype.filter.call(section ? section.querySelectorAll("img") : [], function (i) { return !i.complete; });
    if (!pending.length) return then();
    var left = pending.length;
    pending.forEach(function (i) {
      var done = function () { if (--left === 0) then(); };
      i.addEventListener("load", done, { once: true });
      i.addEventListener("error", done, { once: true });
    });
  }
  window.lecturegenFit = { fit: fit, MIN_PX: MIN_PX };
  var printing = /print-pdf/i.test(window.location.search);  // reveal's own test for its print view
  // print view: every slide is laid out on its page (pdfMaxPagesPerSlide: 1), then fitted to it
  Reveal.on("pdf-ready", function () { document.querySelectorAll(".reveal .slides section").forEach(fit); });
  Reveal.on("ready", function () { if (!printing) whenImagesLoaded(Reveal.getCurrentSlide(), fitCurrent); });
  Reveal.on("slidechanged", function (event) { whenImagesLoaded(event.currentSlide, fitCurrent); });
})();
