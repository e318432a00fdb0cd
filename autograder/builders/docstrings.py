"""A Google-style docstring as Markdown, for the notebooks' exercise cells.

Paragraphs stay text (reST ``code`` and ``:func:`name``` become Markdown code); a
paragraph ending in ``::`` and an example of doctest lines become code blocks; the
``Args:``/``Returns:``/``Raises:`` sections become bold headings with one bullet per entry.
"""

from __future__ import annotations

import inspect
import re

_SECTION = re.compile(r"^(Args|Arguments|Returns|Raises|Yields|Note|Notes):\s*$")
_ROLE = re.compile(r":\w+:`~?([^`]+)`")


def _inline(text: str) -> str:
    return _ROLE.sub(r"`\1`", text).replace("``", "`")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines: list[str], start: int, base: int) -> int:
    """Index after the block of lines more indented than ``base`` (blank lines inside)."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _fence(lines: list[str], language: str = "") -> list[str]:
    width = min(_indent(line) for line in lines if line.strip())
    return [f"```{language}", *(line[width:] for line in lines), "```"]


def to_markdown(docstring: str) -> str:
    lines = inspect.cleandoc(docstring).splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        base = _indent(line)
        section = _SECTION.match(line.strip())
        following = next((x for x in lines[i + 1 :] if x.strip()), "")
        if section:
            end = _block(lines, i + 1, base)
            out += [f"**{section[1]}:**", ""]
            for entry in lines[i + 1 : end]:
                if not entry.strip():
                    continue
                if _indent(entry) <= base + 4:
                    out.append(f"- {_inline(entry.strip())}")
                else:
                    out[-1] += f" {_inline(entry.strip())}"
            out.append("")
            i = end
        elif line.rstrip().endswith("::") and _indent(following) > base:
            out += [_inline(line.rstrip()[:-1]), ""]
            end = _block(lines, i + 1, base)
            body = lines[i + 1 : end]
            out += [*_fence(body[next(k for k, x in enumerate(body) if x.strip()) :]), ""]
            i = end
        elif line.rstrip().endswith(":") and following.strip().startswith(">>>"):
            out += [f"*{_inline(line.strip()[:-1])}:*", ""]
            end = _block(lines, i + 1, base)
            body = lines[i + 1 : end]
            out += [*_fence(body[next(k for k, x in enumerate(body) if x.strip()) :], "python")]
            out.append("")
            i = end
        else:
            out.append(_inline(line))
            i += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"
