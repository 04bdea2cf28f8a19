// What a student reads on the current slide (or, with no Reveal, on the whole page), checked as
// a Korean instructor would: Markdown that did not render, tool jargon in Korean prose, the
// build's speed settings in code, and what the slide's code defines and calls (the caller checks
// that a helper is shown before it is used). Returns {problems, defines, calls, tables}; used by
// tests/test_classroom.py. Provenance (versions, the data set's exact name) is exempt: it is a record.
(args) => {
  const problems = [];
  const reveal = window.Reveal && Reveal.isReady && Reveal.isReady();
  const root = reveal ? Reveal.getCurrentSlide() : document.body;
  const korean = (document.documentElement.lang || "").startsWith("ko");
  const RECORD = ".provenance, .provenance-footer, .provenance-slide, aside.notes, .sample-banner, script, style";
  const CODE = "pre, code, .highlight, .math";

  // prose: visible text outside code, formulas and the provenance record
  const prose = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest(RECORD) || el.closest(CODE)) continue;
    prose.push(node.textContent);
  }
  // a paragraph's text, joined, so that "**" split over nodes is still seen
  const text = prose.join(" ").replace(/\s+/g, " ");

  // 1. literal Markdown: emphasis markers, backticks, links or headings that did not render
  const markdown = [
    [/\*\*[^*\s][^*]*\*\*|\*\*\S/, "** (emphasis not rendered)"],
    [/(^|\s)__\S.*?__/, "__ (emphasis not rendered)"],
    [/`[^`]+`/, "` (code span not rendered)"],
    [/\]\([^)]*\)/, "](…) (link not rendered)"],
    [/(^|\s)#{1,4} \S/, "# (heading not rendered)"],
  ];
  for (const [re, what] of markdown) {
    const m = text.match(re);
    if (m) problems.push(`literal Markdown ${what}: "${text.slice(Math.max(0, m.index - 15), m.index + 25)}"`);
  }

  // 2. tool jargon and untranslated English in Korean student text
  if (korean) {
    const jargon = [
      [/빌드/, "빌드 (tool jargon)"],
      [/lecturegen|mlxtend|pytest|nbclient|Playwright/i, "a program's name"],
      [/MNIST sample|shipped by|digits\)/, "the data set's English name"],
      [/\((Dense|Adam) \d+\)/, "a run-reuse label"],
      [/\b(ValueError|TypeError|KeyError|Traceback|Argument\(s\)|not recognized|no longer supported)\b/, "English error text without a Korean gloss"],
      [/\b[a-z]{2,}(?: [a-z]{2,}){3,}\b/, "an English phrase"],
      [/클릭할 때마다|강조한 줄|강조된 줄/, "slide-only wording"],
    ];
    for (const [re, what] of jargon) {
      const m = text.match(re);
      if (m) problems.push(`Korean student text holds ${what}: "${text.slice(Math.max(0, m.index - 15), m.index + 30)}"`);
    }
  }

  // 3. code a student copies: never the build's speed settings
  const code = Array.from(root.querySelectorAll("pre")).filter((el) => !el.closest(RECORD)).map((el) => el.textContent);
  const speed = /steps_per_execution|eval_batch_size|validation_batch_size|jit_compile|batch_size=(1000|2048)\b/g;
  for (const block of code) {
    for (const m of block.matchAll(speed)) problems.push(`speed setting in student code: ${m[0]}`);
  }

  // 4. what the code defines and calls (checked across slides by the caller)
  const defines = [], calls = [];
  for (const block of code) {
    for (const m of block.matchAll(/^\s*def (\w+)\(/gm)) defines.push(m[1]);
    for (const m of block.matchAll(/(?<![\w.])(?<!def )([a-z_]\w*)\(/g)) calls.push(m[1]);
  }
  // the names in tables and figure descriptions (a model compared before it is introduced)
  const tables = Array.from(root.querySelectorAll("td, th")).map((c) => c.textContent.trim())
    .concat(Array.from(root.querySelectorAll("img.figure")).map((i) => i.getAttribute("alt") || ""));
  return { problems, defines, calls, tables };
}
