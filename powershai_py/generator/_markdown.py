"""Parse our platyPS 0.14 ("schema 2.0.0") help pages into a typed help model.

A page is: YAML-ish front matter, ``# <Command>``, then ``## SYNOPSIS``, ``## SYNTAX``,
``## DESCRIPTION``, ``## EXAMPLES`` (``### Example N: title`` + code fence + remarks),
``## PARAMETERS`` (``### -Name`` + description + a yaml fence), ``## INPUTS``, ``## OUTPUTS``,
``## NOTES`` and ``## RELATED LINKS``. Section headers may carry trailing HTML comments (PowerShai's
``<!--!= @#Synop !-->``); they are ignored, as is any other HTML comment block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ._spec import GeneratorError

__all__ = [
    "CommandHelp",
    "ExampleHelp",
    "LinkHelp",
    "ParameterHelp",
    "TypeHelp",
    "example_title",
    "load_page",
    "parse_page",
    "split_paragraphs",
]

#: Keys platyPS 0.14 accepts in a parameter's yaml block (lower-cased).
PARAMETER_KEYS = (
    "type",
    "parameter sets",
    "aliases",
    "accepted values",
    "required",
    "position",
    "default value",
    "accept pipeline input",
    "accept wildcard characters",
    "applicable",
)

_HEADING_RE = re.compile(r"^(#{1,3})\s+(.*?)\s*$")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE_RE = re.compile(r"^\s*(```+|~~~+)\s*([\w.+-]*)\s*$")
_LINK_RE = re.compile(r"^\s*[-*]?\s*\[([^\]]*)\]\(([^)]*)\)\s*$")
_EXAMPLE_PREFIX_RE = re.compile(r"^(example|ejemplo)\s+\d+\s*[:.-]?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ParameterHelp:
    name: str
    description: str
    fields: dict[str, str]

    def field(self, key: str) -> str:
        return self.fields.get(key.lower(), "")


@dataclass(frozen=True)
class ExampleHelp:
    title: str
    code: str
    remarks: str


@dataclass(frozen=True)
class TypeHelp:
    name: str
    description: str


@dataclass(frozen=True)
class LinkHelp:
    text: str
    uri: str


@dataclass
class CommandHelp:
    name: str
    source: str
    front_matter: dict[str, str] = field(default_factory=dict)
    synopsis: str = ""
    syntax: list[str] = field(default_factory=list)
    description: str = ""
    examples: list[ExampleHelp] = field(default_factory=list)
    parameters: dict[str, ParameterHelp] = field(default_factory=dict)
    inputs: list[TypeHelp] = field(default_factory=list)
    outputs: list[TypeHelp] = field(default_factory=list)
    notes: str = ""
    links: list[LinkHelp] = field(default_factory=list)

    def parameter(self, name: str) -> ParameterHelp | None:
        for key, value in self.parameters.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class _Block:
    """Lines under one heading; ``fences`` are (info, code) pairs, ``text`` is the rest."""

    heading: str
    lines: list[str] = field(default_factory=list)
    children: list[_Block] = field(default_factory=list)


_BLOCK_LINE_RE = re.compile(r"^(\s|[-*+|>]\s|\d+[.)]\s|```)")


def split_paragraphs(text: str) -> list[str]:
    """Split markdown text into paragraphs on blank lines, unwrapping soft line breaks.

    As in markdown, consecutive lines join with a space, except after a hard break (a line
    ending in two spaces or a backslash) and before lines that start a list item, a table row,
    a quote or an indented line (PowerShai's help uses tab-indented lists).
    """
    paragraphs: list[str] = []
    current: list[str] = []
    hard_break = False
    for raw in text.split("\n"):
        if not raw.strip():
            if current:
                paragraphs.append("\n".join(current))
                current = []
            hard_break = False
            continue
        line = raw.rstrip()
        this_break = raw.endswith("  ") or line.endswith("\\")
        if line.endswith("\\"):
            line = line[:-1].rstrip()
        if current and not hard_break and not _BLOCK_LINE_RE.match(raw):
            current[-1] = f"{current[-1]} {line.strip()}"
        else:
            current.append(line)
        hard_break = this_break
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs


def _clean_text(lines: list[str]) -> str:
    """Join lines, trimming trailing blanks but keeping markdown hard breaks (two spaces)."""
    kept = [
        line.rstrip() + ("  " if line.endswith("  ") and line.strip() else "") for line in lines
    ]
    return "\n".join(kept).strip("\n")


def _split_fences(lines: list[str], where: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Separate fenced code blocks from the surrounding text."""
    text: list[str] = []
    fences: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        m = _FENCE_RE.match(lines[i])
        if not m:
            text.append(lines[i])
            i += 1
            continue
        marker, info = m.group(1), m.group(2)
        code: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != marker:
            code.append(lines[i])
            i += 1
        if i >= len(lines):
            raise GeneratorError(f"{where}: unterminated code fence")
        i += 1
        fences.append((info.lower(), "\n".join(code).strip("\n")))
    return text, fences


def _front_matter(lines: list[str], where: str) -> tuple[dict[str, str], list[str]]:
    if not lines or lines[0].strip() != "---":
        return {}, lines
    data: dict[str, str] = {}
    for i in range(1, len(lines)):
        line = lines[i]
        if line.strip() == "---":
            return data, lines[i + 1 :]
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise GeneratorError(f"{where}: front matter line {i + 1} is not 'key: value'")
        data[key.strip().lower()] = value.strip()
    raise GeneratorError(f"{where}: front matter is not closed with '---'")


def _blocks(lines: list[str]) -> tuple[str | None, list[_Block]]:
    """Group lines by ``#``/``##``/``###`` headings, ignoring headings inside fences."""
    title: str | None = None
    sections: list[_Block] = []
    in_fence: str | None = None
    for line in lines:
        fence = _FENCE_RE.match(line)
        if fence:
            marker = fence.group(1)
            if in_fence is None:
                in_fence = marker
            elif line.strip() == in_fence:
                in_fence = None
        heading = None if (in_fence or fence) else _HEADING_RE.match(line)
        if heading:
            level = len(heading.group(1))
            text = _COMMENT_RE.sub("", heading.group(2)).strip()
            if level == 1:
                title = text
                continue
            if level == 2:
                sections.append(_Block(text))
                continue
            if sections:
                sections[-1].children.append(_Block(text))
                continue
        if sections:
            target = sections[-1].children[-1] if sections[-1].children else sections[-1]
            target.lines.append(line)
    return title, sections


def _parse_yaml_fields(code: str, where: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for n, line in enumerate(code.split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise GeneratorError(f"{where}: yaml line {n} is not 'Key: value': {line!r}")
        k = key.strip().lower()
        if k not in PARAMETER_KEYS:
            raise GeneratorError(
                f"{where}: unknown yaml key {key.strip()!r} (platyPS 0.14 accepts: "
                "Type, Parameter Sets, Aliases, Accepted values, Required, Position, "
                "Default value, Accept pipeline input, Accept wildcard characters, Applicable)"
            )
        fields[k] = value.strip()
    return fields


def _parse_types(block: _Block, where: str) -> list[TypeHelp]:
    result: list[TypeHelp] = []
    own = _clean_text(block.lines)
    if own and not block.children:
        first, _, rest = own.partition("\n")
        result.append(TypeHelp(first.strip(), rest.strip()))
    for child in block.children:
        text, _ = _split_fences(child.lines, where)
        result.append(TypeHelp(child.heading, _clean_text(text)))
    return result


def parse_page(text: str, source: str) -> CommandHelp:
    """Parse one help page; ``source`` names it in error messages."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    front, body = _front_matter(lines, source)
    title, sections = _blocks(body)
    if not title:
        raise GeneratorError(f"{source}: missing '# <Command-Name>' title")
    help_ = CommandHelp(name=title, source=source, front_matter=front)
    seen: set[str] = set()
    for section in sections:
        key = section.heading.upper()
        where = f"{source} ## {section.heading}"
        if key in seen:
            raise GeneratorError(f"{where}: section appears twice")
        seen.add(key)
        text_lines, fences = _split_fences(section.lines, where)
        own_text = _COMMENT_RE.sub("", _clean_text(text_lines)).strip("\n")
        if key == "SYNOPSIS":
            help_.synopsis = own_text.strip()
        elif key == "SYNTAX":
            for child in [section, *section.children]:
                _, child_fences = _split_fences(child.lines, where)
                for _, code in child_fences:
                    joined = " ".join(part.strip() for part in code.split("\n") if part.strip())
                    if joined:
                        help_.syntax.append(joined)
        elif key == "DESCRIPTION":
            help_.description = own_text
        elif key == "EXAMPLES":
            for child in section.children:
                cwhere = f"{source} ### {child.heading}"
                ctext, cfences = _split_fences(child.lines, cwhere)
                code = "\n\n".join(c for _, c in cfences)
                remarks = _COMMENT_RE.sub("", _clean_text(ctext)).strip()
                help_.examples.append(ExampleHelp(child.heading, code, remarks))
        elif key == "PARAMETERS":
            for child in section.children:
                cwhere = f"{source} ### {child.heading}"
                if child.heading.lower() == "commonparameters":
                    continue
                if not child.heading.startswith("-"):
                    raise GeneratorError(f"{cwhere}: parameter headings must be '### -Name'")
                name = child.heading[1:].strip()
                ctext, cfences = _split_fences(child.lines, cwhere)
                yaml_blocks = [c for info, c in cfences if info in ("yaml", "yml", "")]
                if len(yaml_blocks) != 1:
                    raise GeneratorError(f"{cwhere}: expected exactly one ```yaml block")
                if help_.parameter(name) is not None:
                    raise GeneratorError(f"{cwhere}: parameter documented twice")
                help_.parameters[name] = ParameterHelp(
                    name=name,
                    description=_COMMENT_RE.sub("", _clean_text(ctext)).strip(),
                    fields=_parse_yaml_fields(yaml_blocks[0], cwhere),
                )
        elif key == "INPUTS":
            help_.inputs = _parse_types(section, where)
        elif key == "OUTPUTS":
            help_.outputs = _parse_types(section, where)
        elif key == "NOTES":
            help_.notes = own_text.strip()
        elif key == "RELATED LINKS":
            for line in own_text.split("\n"):
                if not line.strip():
                    continue
                m = _LINK_RE.match(line)
                if m:
                    help_.links.append(LinkHelp(m.group(1).strip(), m.group(2).strip()))
                else:
                    help_.links.append(LinkHelp(line.strip().lstrip("-* "), ""))
        else:
            raise GeneratorError(f"{where}: unknown section (platyPS schema 2.0.0)")
    return help_


def example_title(title: str) -> str:
    """The text after 'Example N:' (empty if the title is only the number)."""
    return _EXAMPLE_PREFIX_RE.sub("", title).strip()


def load_page(path: Path) -> CommandHelp:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise GeneratorError(f"cannot read help page {path}: {exc}") from exc
    return parse_page(text, str(path))
