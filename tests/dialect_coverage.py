"""Does every line of storage that differs by dialect run on PostgreSQL in the tests?

`make test` measures storage's coverage, each test's lines under the context "postgres" when
a storage, unit or integration test runs on PostgreSQL (tests/conftest.py: the flows that run
on PostgreSQL too are not traced, for speed, so a line only a flow reaches needs a test of its
own in tests/integration); this reads that and lists each dialect-specific
line with whether a PostgreSQL test ran it, failing if any did not. A line is dialect-specific
when it is, read from the code:

* a test of the dialect's name (`….dialect.name == "postgresql"`, `!= "sqlite"`, …), a
  conditional expression on it, and every statement of the branch PostgreSQL takes;
* SQL that only PostgreSQL honours: `.with_for_update(…)` (SQLite renders no FOR UPDATE), a
  `pg_…` function in a text of SQL;
* a line marked `# dialect: postgresql`, for whatever the rules above cannot see.

    python -m tests.dialect_coverage [--data-file .coverage]

With no PostgreSQL test measured (no server here) it says so and passes, unless
SALESBOT_REQUIRE_SERVICES is set, as in CI.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

from coverage import Coverage

ROOT = Path(__file__).resolve().parents[1]
STORAGE = ROOT / "storage"
CONTEXT = "postgres"
MARK = "# dialect: postgresql"


def _is_dialect_name(node: ast.expr) -> bool:
    """`x.dialect.name` or `dialect.name`."""
    if not (isinstance(node, ast.Attribute) and node.attr == "name"):
        return False
    owner = node.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "dialect") or (
        isinstance(owner, ast.Name) and owner.id == "dialect"
    )


def _postgres_takes_body(test: ast.expr) -> bool | None:
    """For a test on the dialect's name: whether PostgreSQL takes the body (True) or the other
    branch (False); None for any other test."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and _is_dialect_name(test.left)):
        return None
    right = test.comparators[0]
    if not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
        return None
    equal = isinstance(test.ops[0], ast.Eq)
    if not equal and not isinstance(test.ops[0], ast.NotEq):
        return None
    return (right.value == "postgresql") == equal


def _statements(body: list[ast.stmt]) -> Iterator[int]:
    """The first line of each statement in `body`, nested ones included."""
    for stmt in body:
        yield stmt.lineno
        for child in ast.walk(stmt):
            if isinstance(child, ast.stmt) and child is not stmt:
                yield child.lineno


def _pg_sql(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "with_for_update"
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and "pg_" in node.value


def _header(stmt: ast.stmt) -> list[ast.AST]:
    """The expressions of a statement itself, not of the statements nested in it."""
    if isinstance(stmt, ast.If | ast.While):
        return [stmt.test]
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return [stmt.iter]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return list(stmt.items)
    if isinstance(stmt, ast.Match):
        return [stmt.subject]
    return [] if hasattr(stmt, "body") else [stmt]


def _marked(source: str, statements: list[ast.stmt]) -> Iterator[int]:
    """The statement each `# dialect: postgresql` comment stands in (the innermost one)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type == tokenize.COMMENT and token.string.startswith(MARK):
            line = token.start[0]
            around = [s for s in statements if s.lineno <= line <= (s.end_lineno or s.lineno)]
            yield max((s.lineno for s in around), default=line)


def dialect_lines(source: str) -> dict[int, str]:
    """The dialect-specific lines of one module (each its statement's first line), and why."""
    statements = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.stmt)]
    found: dict[int, str] = {}
    for stmt in statements:
        if isinstance(stmt, ast.If) and (body := _postgres_takes_body(stmt.test)) is not None:
            found.setdefault(stmt.lineno, "tests the dialect")
            for line in _statements(stmt.body if body else stmt.orelse):
                found.setdefault(line, "PostgreSQL's branch")
        for node in (n for part in _header(stmt) for n in ast.walk(part)):
            if isinstance(node, ast.IfExp) and _postgres_takes_body(node.test) is not None:
                found.setdefault(stmt.lineno, "chooses by dialect")
            elif isinstance(node, ast.Compare) and _postgres_takes_body(node) is not None:
                found.setdefault(stmt.lineno, "tests the dialect")
            elif _pg_sql(node):
                found.setdefault(stmt.lineno, "PostgreSQL-only SQL")
    for line in _marked(source, statements):
        found.setdefault(line, "marked")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data-file", default=".coverage")
    args = parser.parse_args()
    cov = Coverage(data_file=args.data_file)
    cov.load()
    data = cov.get_data()
    required = os.environ.get("SALESBOT_REQUIRE_SERVICES", "").lower() in ("1", "true", "yes")
    if CONTEXT not in data.measured_contexts():
        print(f"dialect coverage: no PostgreSQL test measured in {args.data_file}")
        return 1 if required else 0
    data.set_query_contexts([f"^{CONTEXT}$"])
    missed, total = [], 0
    for path in sorted(STORAGE.rglob("*.py")):
        lines = dialect_lines(path.read_text())
        if not lines:
            continue
        _, statements, _, missing, _ = cov.analysis2(str(path))
        for line, why in sorted(lines.items()):
            if line not in statements:
                continue  # not code (a docstring's line, say)
            total += 1
            ran = line not in missing
            where = f"{path.relative_to(ROOT)}:{line}"
            print(f"  {'ran' if ran else 'NOT RUN':7}  {where:32} {why}")
            if not ran:
                missed.append(where)
    if missed:
        print(f"dialect coverage: {len(missed)} of {total} dialect-specific lines of storage never "
              f"ran on PostgreSQL: {', '.join(missed)}")  # fmt: skip
        return 1
    print(f"dialect coverage: all {total} dialect-specific lines of storage ran on PostgreSQL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
