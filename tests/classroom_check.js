// What a class would see wrong on the current slide (or, with no Reveal, on the whole page).
// Returns a list of problems, each a short string; used by tests/test_classroom.py.
(args) => {
  const MIN_PX = args.minPx;
  const problems = [];
  const reveal = window.Reveal && Reveal.isReady && Reveal.isReady();
  const root = reveal ? Reveal.getCurrentSlide() : document.body;
  const scale = reveal ? Reveal.getScale() : 1;
  const where = (el) => {
    const tag = el.tagName.toLowerCase();
    const text = (el.textContent || el.getAttribute("alt") || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return `<${tag}${el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : ""}> "${text}"`;
  };
  const visible = (el) => {
    const st = getComputedStyle(el);
    if (st.display === "none" || st.visibility === "hidden" || el.closest("aside.notes")) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const elements = Array.from(root.querySelectorAll("*")).filter(visible);

  // 1. everything inside the slide box (reveal's scaled 1280 x 720 box), nothing clipped
  if (reveal) {
    const box = document.querySelector(".reveal .slides").getBoundingClientRect();
    for (const el of elements) {
      const r = el.getBoundingClientRect();
      if (r.left < box.left - 1 || r.top < box.top - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1) {
        problems.push(`outside the slide box by ${Math.round(Math.max(box.left - r.left, box.top - r.top, r.right - box.right, r.bottom - box.bottom))} px: ${where(el)}`);
      }
    }
  }
  for (const el of elements) {
    const st = getComputedStyle(el);
    const scrollsY = ["auto", "scroll"].includes(st.overflowY), scrollsX = ["auto", "scroll"].includes(st.overflowX);
    const wide = el.scrollWidth > el.clientWidth + 1, tall = el.scrollHeight > el.clientHeight + 1;
    if (el.tagName === "PRE" && wide) problems.push(`code wider than its block (${el.scrollWidth} > ${el.clientWidth} px): ${where(el)}`);
    else if (el.tagName === "PRE" && tall && !scrollsY) problems.push(`code cut at the bottom: ${where(el)}`);
    else if ((wide && !scrollsX && st.overflowX !== "visible") || (tall && !scrollsY && st.overflowY !== "visible")) {
      if (!["HTML", "BODY"].includes(el.tagName)) problems.push(`content clipped: ${where(el)}`);
    }
  }

  // 2. text size: every text node's font, and every figure's smallest text as displayed
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const words = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || !visible(el)) continue;
    const px = parseFloat(getComputedStyle(el).fontSize) * scale;
    if (px < MIN_PX - 0.05) problems.push(`text at ${px.toFixed(1)} px (< ${MIN_PX}): ${where(el)}`);
    words.push(node);
  }
  for (const img of root.querySelectorAll("img.figure")) {
    if (!visible(img)) continue;
    if (!img.dataset.minFontPt || !img.naturalWidth) { problems.push(`figure without its text size (data-min-font-pt): ${img.getAttribute("src")}`); continue; }
    const shown = img.getBoundingClientRect();
    const ratio = Math.min(shown.width / img.naturalWidth, shown.height / img.naturalHeight);
    const px = parseFloat(img.dataset.minFontPt) * 4 / 3 * ratio;
    if (px < MIN_PX - 0.05) problems.push(`figure text at ${px.toFixed(1)} px (< ${MIN_PX}): ${img.getAttribute("src")}`);
  }

  // 3. Korean words are never split across lines: each run of Hangul-containing characters
  //    between spaces must lie on one line (Range.getClientRects gives one box per line). A break
  //    at punctuation inside it ("학습률 / (0.001)은", "%) / 가") is the line-breaking rules' own
  //    (CSS Text 3, keep-all); a break between two letters or digits ("결 / 과가") is a broken word.
  const word = /[^\s]*[\uac00-\ud7a3][^\s]*/g;
  const letter = /[\p{L}\p{N}]/u;
  const lineOf = (node, i) => {
    const r = document.createRange();
    r.setStart(node, i);
    r.setEnd(node, i + 1);
    const box = Array.from(r.getClientRects()).find((b) => b.width > 0.5);
    return box ? box.top : null;
  };
  const splitBetweenLetters = (node, start, text) => {
    let prev = lineOf(node, start);
    for (let i = 1; i < text.length; i++) {
      const top = lineOf(node, start + i);
      if (top === null) continue;
      if (prev !== null && Math.abs(top - prev) > 2 && letter.test(text[i - 1]) && letter.test(text[i])) return i;
      prev = top;
    }
    return -1;
  };
  for (const node of words) {
    const text = node.textContent;
    let m;
    while ((m = word.exec(text)) !== null) {
      if (m[0].length < 2) continue;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0.5);
      const tops = [];
      for (const r of rects) if (!tops.some((t) => Math.abs(t - r.top) < r.height / 2)) tops.push(r.top);
      if (tops.length < 2) continue;
      const at = splitBetweenLetters(node, m.index, m[0]);
      if (at > 0) problems.push(`Korean word broken across lines: "${m[0].slice(0, at)}/${m[0].slice(at)}"`);
    }
  }
  return problems;
}
