#!/usr/bin/env python3
"""Compile the Python examples of the generated Python package; exit 1 on a syntax error.

jsii-pacmak writes the Python binding (README.md and the module's docstrings) with the
TypeScript examples translated by jsii-rosetta. A TypeScript example that rosetta cannot type
(for example an object literal whose struct type it cannot infer) comes out as invalid Python.
This compiles every ```python block of README.md and every ``Example::`` block of the
docstrings under src/ with py_compile.

Usage: check-python-examples.py DIR   (DIR: the pacmak output, e.g. dist/code-only/python)
"""
import os
import py_compile
import re
import sys
import tempfile
import textwrap

FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXAMPLE = re.compile(r"^(\s*)Example::\s*$")


def readme_blocks(path):
    text = open(path, encoding="utf-8").read()
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 2  # first line of the block's code
        yield f"{path}:{line}", m.group(1)


def docstring_blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = EXAMPLE.match(lines[i])
        i += 1
        if not m:
            continue
        indent = len(m.group(1))
        start = i
        block = []
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if stripped and (len(line) - len(line.lstrip()) <= indent or stripped.startswith("'''")):
                break
            block.append(line)
            i += 1
        while start < i and not lines[start].strip():
            start += 1
        yield f"{path}:{start + 1}", textwrap.dedent("\n".join(block)).strip("\n") + "\n"


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().split("\n")[-1], file=sys.stderr)
        return 2
    root = argv[1]
    readme = os.path.join(root, "README.md")
    if not os.path.isfile(readme):
        print(f"check-python-examples: {readme} not found (run jsii-pacmak first)", file=sys.stderr)
        return 2
    snippets = list(readme_blocks(readme))
    readme_count = len(snippets)
    if readme_count == 0:
        print(f"check-python-examples: no ```python block in {readme}", file=sys.stderr)
        return 1
    for dirpath, _, files in os.walk(os.path.join(root, "src")):
        for name in sorted(files):
            if name.endswith(".py"):
                snippets.extend(docstring_blocks(os.path.join(dirpath, name)))

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n, (where, code) in enumerate(snippets):
            file = os.path.join(tmp, f"example_{n}.py")
            with open(file, "w", encoding="utf-8") as f:
                f.write(code)
            try:
                py_compile.compile(file, cfile=file + "c", doraise=True)
            except py_compile.PyCompileError as err:
                failures += 1
                detail = err.exc_value
                lineno = getattr(detail, "lineno", None) or 1
                bad = code.split("\n")[lineno - 1] if lineno <= code.count("\n") else ""
                print(f"{where}: example line {lineno}: {type(detail).__name__}: {getattr(detail, 'msg', detail)}\n    {bad.strip()}",
                      file=sys.stderr)
    total = len(snippets)
    if failures:
        print(f"check-python-examples: {failures} of {total} Python examples do not compile", file=sys.stderr)
        return 1
    print(f"check-python-examples: {total} Python examples compile ({readme_count} in README.md, {total - readme_count} in docstrings)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
