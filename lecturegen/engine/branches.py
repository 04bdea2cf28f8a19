"""Every branch of a content file checked, not only the branches this build takes.

A content file chooses its wording with ``{% if claims.x.holds %} ... {% else %} ... {% endif %}``.
Rendering evaluates only the branch taken, so a typo in the other one (an unknown run, attribute,
claim, filter or helper) would wait for the claim to flip, typically right after a TensorFlow
upgrade. After the real rendering, the content file is rendered once more from a rewritten
template in which every ``if``/``elif``/``else`` branch, both sides of an inline ``x if c else y``
and a loop's ``else`` are evaluated one after the other, with this build's real values; the output
is discarded.

Why rendering every branch rather than a static analysis of the Jinja AST: the real values carry
the whole truth about names (runs, claims and experiments are the chapter's, attributes are those of
the real result objects, helpers check their own arguments: ``figure("gapp")``), including names
bound with ``{% set d = runs.dropout %}`` and loop variables, which a static pass would have to type
by hand. What it reports is restricted to *name* errors: an unknown variable, attribute, item,
filter, test, run, claim, experiment or helper argument. Other errors (a division by zero, a None
formatted as a number) may be exactly what a branch guards against and are left alone, and so is a
branch guarded by ``is defined`` / ``is undefined``, whose body may name what is not there.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.compiler import generate
from jinja2.visitor import NodeTransformer

from lecturegen.engine.context import Helpers
from lecturegen.errors import ChapterError
from lecturegen.messages import say

log = logging.getLogger(__name__)

NAME_ERRORS = (jinja2.UndefinedError, jinja2.TemplateAssertionError, ChapterError)


class CheckingHelpers(Helpers):
    """The helpers for the every-branch rendering: an old-API question no branch taken asked is not
    probed now (a child process with TensorFlow); it gets no answer, as before probing."""

    def api_changes(self, optimizer: str, **arguments):
        from lecturegen.engine import apiprobe

        probes = self.ctx.extra.get("api_probes") or {}
        return probes.get(apiprobe.request_key(optimizer, arguments), {})


def _guards_definedness(test: nodes.Node) -> bool:
    """Does a condition ask whether a name exists (``x is defined``)? Its body may name what is not."""
    tests = [test] if isinstance(test, nodes.Test) else []
    return any(t.name in ("defined", "undefined") for t in [*tests, *test.find_all(nodes.Test)])


def _used(test: nodes.Expr) -> nodes.Expr:
    """A condition as ``if`` uses it (its truth), so an unknown name in it raises as it would there."""
    return nodes.Not(test, lineno=test.lineno)


class EveryBranch(NodeTransformer):
    """Rewrites a template so that rendering it evaluates every branch, in order."""

    def _visit_list(self, items: list[nodes.Node]) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for item in items:
            new = self.visit(item)
            if new is None:
                continue
            out.extend(new if isinstance(new, list) else [new])
        return out

    def visit_If(self, node: nodes.If) -> nodes.Node | list[nodes.Node]:
        branches = [(node.test, node.body), *((e.test, e.body) for e in node.elif_)]
        if any(_guards_definedness(test) for test, _ in branches):
            node.body = self._visit_list(node.body)
            for branch in node.elif_:
                branch.body = self._visit_list(branch.body)
            node.else_ = self._visit_list(node.else_)
            return node
        out: list[nodes.Node] = []
        for test, body in branches:
            out.append(nodes.ExprStmt(_used(self.visit(test)), lineno=test.lineno))
            out += self._visit_list(body)
        return out + self._visit_list(node.else_)

    def visit_CondExpr(self, node: nodes.CondExpr) -> nodes.Node:
        """``a if c else b`` -> ``(not c, b ~ "", a)[2]``: all three evaluated, the value is ``a``."""
        if _guards_definedness(node.test):
            return self.generic_visit(node)
        parts = [_used(self.visit(node.test))]
        if node.expr2 is not None:
            parts.append(nodes.Concat([self.visit(node.expr2)], lineno=node.lineno))
        parts.append(self.visit(node.expr1))
        return nodes.Getitem(nodes.Tuple(parts, "load", lineno=node.lineno),
                             nodes.Const(len(parts) - 1, lineno=node.lineno), "load", lineno=node.lineno)

    def visit_For(self, node: nodes.For) -> list[nodes.Node]:
        """A loop's ``else`` (taken when it has no items) is evaluated after it as well."""
        else_ = self._visit_list(node.else_)
        node.else_ = []
        node.body = self._visit_list(node.body)
        node.iter = self.visit(node.iter)
        if node.test is not None:
            node.test = self.visit(node.test)
        return [node, *else_]


_COMPILED: dict[tuple[int, str, str], jinja2.Template] = {}


def every_branch_template(env: jinja2.Environment, path: Path) -> jinja2.Template:
    """The content file ``path`` compiled with every branch taken (a compile error is raised as it is);
    compiled once per text in a process (about 0.3 s for ch4's content), as Jinja keeps its own."""
    source = path.read_text(encoding="utf-8")
    key = (id(env), str(path), hashlib.sha256(source.encode("utf-8")).hexdigest())
    if key not in _COMPILED:
        code = _stored_code(env, key[1:])
        if code is None:
            parsed = getattr(env, "parsed", env.parse)  # the page's parse of the same text, when there is one
            tree = EveryBranch().visit(parsed(source, path.name, str(path)))
            code = _compile(env, tree, path, source)
            _store_code(env, key[1:], code)
        if len(_COMPILED) >= 32:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = env.template_class.from_code(env, code, env.make_globals(None))
    return _COMPILED[key]


def _compile(env: jinja2.Environment, tree: nodes.Template, path: Path, source: str):
    """``env.compile(tree)`` without Jinja's optimizer: the output is thrown away, so folding its
    constants (a third of this compile) buys nothing; errors are raised as ``env.compile`` raises them."""
    try:
        python = generate(tree, env, path.name, str(path), optimized=False)
    except jinja2.TemplateSyntaxError:
        env.handle_exception(source=source)
    return env._compile(python, str(path))


def _stored(env: jinja2.Environment, path: str):
    """(the cache folder, the entry's name) when the environment keeps compiled templates (render.py):
    one entry per content file, overwritten when it changes (the folder does not grow with each edit)."""
    store = getattr(env.bytecode_cache, "store", None)
    if store is None:
        return None
    return store, "branches-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:40]


def _head(source_sha: str) -> bytes:
    """What the code was compiled from: the compiler (render.compiler_id) and the text's sha256."""
    from lecturegen.engine.render import compiler_id

    return f"{compiler_id()} {source_sha}\n".encode("ascii")


def _stored_code(env: jinja2.Environment, key: tuple[str, str]):
    """The every-branch code an earlier build compiled from this same text, from the cache folder
    (checked by its MAC)."""
    where = _stored(env, key[0])
    data = where[0].get("templates", where[1]) if where else None
    head = _head(key[1])
    if data is None or not data.startswith(head):
        return None
    try:
        return marshal.loads(data[len(head):])
    except (EOFError, ValueError, TypeError):
        return None


def _store_code(env: jinja2.Environment, key: tuple[str, str], code) -> None:
    where = _stored(env, key[0])
    if where:
        try:
            where[0].put("templates", where[1], _head(key[1]) + marshal.dumps(code))
        except OSError:
            pass


def check_every_branch(env: jinja2.Environment, path: Path, namespace: dict, to_error) -> None:
    """Render ``path`` with every branch taken; a name error anywhere is ``to_error(exc)``, raised with
    a note that the branch is not the one this build takes."""
    try:
        every_branch_template(env, path).render(namespace)
    except NAME_ERRORS as exc:
        raise ChapterError(str(to_error(exc)) + say("content.untaken_branch")) from None
    except Exception as exc:  # noqa: BLE001  (a value error a branch may guard against: not a typo)
        log.debug("every-branch check of %s stopped at %s: %s", path, type(exc).__name__, exc)
