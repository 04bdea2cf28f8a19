"""Writing a chapter: slides split by the Markdown parser, own images, errors in the author's terms,
scaffold examples that work when uncommented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lecturegen.engine.context import Named
from lecturegen.engine.media import local_files
from lecturegen.engine.render import slide_chunks
from lecturegen.cli import main
from lecturegen.errors import ChapterError

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a6d1f2d90000000049454e44ae426082")


def test_slides_split_on_thematic_breaks_not_inside_code():
    text = ("# One\n\n```python\nx = 1\n---\nNote:\ny = 2\n```\n\nNote:\nsay this\n\n---\n\n# Two\n\n"
            "~~~\n---\n~~~\n")
    chunks = slide_chunks(text)
    assert len(chunks) == 2
    body, notes = chunks[0]
    assert "x = 1\n---\nNote:\ny = 2" in body and notes.strip() == "say this"
    assert chunks[1][0].strip().startswith("# Two") and "~~~\n---\n~~~" in chunks[1][0]


def _each_slide_alone(text: str) -> list[tuple[str, int, str, int, str]]:
    """The slides, their notes and titles as parsing each slide on its own finds them (the oracle for
    the build's one parse of the whole text)."""
    from lecturegen.engine.render import _blocks, _is_notes, markdown, split_instructor

    md, lines = markdown(), text.splitlines(keepends=True)
    breaks = [t.map for t in _blocks(md, text) if t.type == "hr" and t.level == 0 and t.markup.startswith("-")]
    bounds, start, out = [], 0, []
    for first, last in breaks:
        bounds.append((start, first))
        start = last
    bounds.append((start, len(lines)))
    for first, last in bounds:
        chunk = "".join(lines[first:last])
        if not chunk.strip():
            continue
        tokens = _blocks(md, chunk)
        at = next((tokens[i].map[0] for i in range(len(tokens)) if _is_notes(tokens, i)), None)
        chunk_lines = chunk.splitlines(keepends=True)
        body, notes = (chunk, "") if at is None else ("".join(chunk_lines[:at]), "".join(chunk_lines[at + 1:]))
        student = split_instructor(body)[0]
        title = next((toks[j + 1].content for toks in [_blocks(md, student)] for j, t in enumerate(toks)
                      if t.type == "heading_open" and t.tag in ("h1", "h2", "h3")), "")
        out.append((body, first, notes, first if at is None else first + at + 1, title.strip()))
    return out


SLIDE_TEXTS = {
    "notes and code": "# One\n\n```python\nx = 1\n---\nNote:\ny = 2\n```\n\nNote:\nsay this\n\n---\n\n# Two\n",
    "setext and lists": "Title\n=====\n\n- a\n- b\n\n---\nSub\n---\n\ntext\n\n---\n\n> ## quoted\n\nNote:\n## not a title\n",
    "instructor part": "## 질문\n\n무엇일까요?\n\nInstructor:\n## 답\n\n정답\n\nNote:\n말할 것\n\n---\n\n:::{note}\n# 안쪽\n:::\n",
    "no title, empty slides": "just text\n\n---\n\n---\n\n   \n\n---\n\n### three\n",
    "odd line breaks": "# A\u2028B\n\ntext\x0cmore\n\nNote:\nnotes\n\n---\n\n# C\n",
}


@pytest.mark.parametrize("case", list(SLIDE_TEXTS))
def test_one_parse_of_the_text_finds_what_parsing_each_slide_alone_finds(case):
    from lecturegen.engine.render import slide_parts, split_slides

    text = SLIDE_TEXTS[case]
    alone = _each_slide_alone(text)
    assert slide_parts(text) == [part[:4] for part in alone]
    assert [s.title for s in split_slides(text)] == [part[4] for part in alone]


def test_unknown_run_lists_the_known_ones():
    runs = Named({"baseline": 1, "deeper": 2}, "run", "ch7")
    with pytest.raises(ChapterError, match=r"no run 'baslin' in chapter ch7; known: baseline, deeper"):
        runs.baslin
    with pytest.raises(ChapterError, match="no run 'x'"):
        runs["x"]
    assert runs.get("x") is None and not hasattr(runs, "__html__")


def _content(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "ch7"
    folder.mkdir(exist_ok=True)
    (folder / "diagram.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(PNG)
    path = folder / "ko.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_local_files_found_missing_and_escaping(tmp_path):
    path = _content(tmp_path, "# a\n\n![그림](diagram.png)\n[site](https://example.org) ![f](figures/x.svg)\n")
    [found] = local_files(path.read_text(), path)
    assert found.source == (tmp_path / "ch7" / "diagram.png").resolve() and str(found.target) == "diagram.png"
    path = _content(tmp_path, "# a\n\ntext\n\n![그림](diagam.png)\n")
    with pytest.raises(ChapterError, match=r"^ko.md line 5 \(ch7\): image 'diagam.png' not found"):
        local_files(path.read_text(), path)
    path = _content(tmp_path, "# a\n![비밀](../secret.png)\n")
    with pytest.raises(ChapterError, match=r"^ko.md line 2 \(ch7\): image '../secret.png' points outside"):
        local_files(path.read_text(), path)
    (tmp_path / "ch7" / "link.png").symlink_to(tmp_path / "secret.png")
    path = _content(tmp_path, "# a\n![비밀](link.png)\n")
    with pytest.raises(ChapterError, match="leads outside the chapter's folder"):
        local_files(path.read_text(), path)


def test_local_files_from_the_myst_reading_are_those_found_alone(tmp_path):
    """The build hands local_files the tokens the MyST reading parsed (no second parse of the text):
    the same files, in the same order, as parsing the text on its own."""
    from lecturegen.engine import myst
    from lecturegen.engine.render import markdown

    (tmp_path / "ch7").mkdir()
    for name in ("a.png", "b.png", "c.csv", "d.png"):
        (tmp_path / "ch7" / name).write_bytes(PNG)
    text = ("# a\n\n![그림](a.png) [표](c.csv)[^1]\n\n:::{figure} b.png\n:name: fig-b\n그림 b\n:::\n\n---\n\n"
            "- ![목록 안](d.png)\n\n[^1]: 각주 [링크](a.png)\n")
    path = _content(tmp_path, text)
    doc = myst.analyse(markdown(), text, myst.Document(source=path))
    alone = local_files(text, path)
    assert [str(f.target) for f in alone] == ["a.png", "c.csv", "d.png", "b.png"]
    assert local_files(text, path, doc.tokens) == alone


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.slow
def test_own_image_uncommented_claim_and_author_errors(capsys, tmp_path, cache_dir):
    course = tmp_path / "course"
    code, _ = _cli(capsys, "new", "ch7", "--dir", str(course))
    assert code == 0
    module = course / "ch7.py"
    module.write_text(module.read_text().replace("    # claims=[claim(", "    claims=[claim("), encoding="utf-8")
    content = course / "ch7" / "ko.md"
    (course / "ch7" / "diagram.png").write_bytes(PNG)
    content.write_text(content.read_text() + "\n---\n\n# 그림\n\n![구조도](diagram.png)\n", encoding="utf-8")
    args = ("build", "ch7", "--chapters-dir", str(course), "--profile", "quick", "--data", "sample",
            "--out", str(tmp_path / "o"), "--cache-dir", str(cache_dir), "--quiet")
    code, output = _cli(capsys, *args)
    assert code == 0, output
    folder = tmp_path / "o" / "ch7"
    assert (folder / "diagram.png").read_bytes() == PNG
    slides = (folder / "slides.html").read_text()
    assert '<img src="diagram.png" alt="구조도"' in slides
    report = json.loads((folder / "report.json").read_text())
    assert [c["id"] for c in report["claims"]] == ["baseline-passes-90"] and "diagram.png" in report["outputs"]
    assert "훈련 2,000장, 테스트 500장 (빠른 미리보기: 전체 4,000장 / 1,000장 중 일부)" in slides

    good = content.read_text()
    content.write_text(good.replace("{%- set b = runs.baseline -%}", "{%- set b = runs.baslin -%}"), encoding="utf-8")
    code, output = _cli(capsys, *args)
    line = next(i for i, text in enumerate(content.read_text().splitlines(), 1) if "baslin" in text)
    assert code == 1 and output.strip().splitlines()[-1] == (
        f"error: ko.md line {line} (ch7): no run 'baslin' in chapter ch7; known: baseline; fix the content file")

    content.write_text(good.replace("diagram.png", "../diagram.png"), encoding="utf-8")
    code, output = _cli(capsys, *args)
    assert code == 1 and re.search(r"error: ko.md line \d+ \(ch7\): image '../diagram.png' points outside", output)
    assert (folder / "diagram.png").is_file(), "the failed build left the previous output"


@pytest.mark.slow
def test_tensorflow_log_lines_stay_off_the_terminal(tmp_path):
    """A build that trains prints lecturegen's lines only; TensorFlow's go to the cache's log."""
    from helpers import run_cli, write_chapter

    env = write_chapter(tmp_path / "chapters")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as a user's shell: TensorFlow at its chattiest
    cache = tmp_path / "cache"
    proc = run_cli("build", "tiny", "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "o"),
                   "--cache-dir", str(cache), env=env)
    assert proc.returncode == 0, proc.stderr
    noise = re.compile(r"^[IWEF]\d{4} |oneDNN|cuInit|NodeDef|absl|retracing|cuda", re.IGNORECASE)
    assert [line for line in proc.stderr.splitlines() if noise.search(line)] == []
    assert re.search(r"^\[chapter\] +experiments 1/1, \d+:\d\d elapsed", proc.stderr, re.MULTILINE), proc.stderr
    assert re.search(r"^\[tiny\] +trained +test accuracy +\d+\.\d\d %  loss \d\.\d{4}", proc.stderr, re.MULTILINE)
    log = (cache / "logs" / "tensorflow.log").read_text()
    assert re.search(r"oneDNN|cuInit|NodeDef|absl", log), log
    verbose = run_cli("-v", "build", "tiny", "--profile", "quick", "--data", "sample", "--out", str(tmp_path / "o"),
                      "--cache-dir", str(cache), "--force", env=env)
    assert verbose.returncode == 0 and "TensorFlow's own messages" in verbose.stderr


@pytest.mark.parametrize("text, message", [
    ("<p>ok</p>\n{{ broken( }}\n", "')' is missing before '}'"),
    ("<p>ok</p>\n{{ ctx.nothing_here }}\n", "this value has no field 'nothing_here'; its fields: "),
])
def test_page_template_error_names_file_and_line(tmp_path, text, message):
    from types import SimpleNamespace

    from lecturegen.engine.render import render_page

    (tmp_path / "slides.html.j2").write_text(text, encoding="utf-8")
    ctx = SimpleNamespace(lang="ko", provenance={})
    with pytest.raises(ChapterError) as caught:
        render_page("slides.html.j2", ctx, [], [tmp_path])
    assert str(caught.value).startswith(f"slides.html.j2 line 2 ({tmp_path.name}): ")
    assert message in str(caught.value) and str(caught.value).endswith("; fix the page template")
