"""Render ``<Module>.format.ps1xml``: default table views for PowerShai's public type names."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

__all__ = ["VIEWS", "Column", "View", "render_format"]


@dataclass(frozen=True)
class Column:
    label: str
    property: str | None = None
    script: str | None = None


@dataclass(frozen=True)
class View:
    type_name: str
    columns: tuple[Column, ...]


VIEWS: tuple[View, ...] = (
    View(
        "PowershaiType:GradioSession",
        (Column("name", "name"), Column("AppUrl", "AppUrl"), Column("SessionId", "SessionId")),
    ),
    View(
        "PowershaiType:SessionApiEvent",
        (
            Column("id", "id"),
            Column("Status", script="$_.ApiEvent.Status"),
            Column("LastReceivedIndex", "LastReceivedIndex"),
        ),
    ),
    View(
        "PowershaiType:GradioApiEvent",
        (
            Column("EventId", "EventId"),
            Column("Status", "Status"),
            Column("LastQueryStatus", "LastQueryStatus"),
            Column("error", "error"),
        ),
    ),
    View(
        "PowershaiType:GradioApiEventResult",
        (
            Column("num", "num"),
            Column("ts", "ts"),
            Column("event", "event"),
            Column("data", "data"),
        ),
    ),
)


def render_format(comment: str) -> str:
    """Return the format file text (XML declaration, LF line endings)."""
    root = ET.Element("Configuration")
    root.append(ET.Comment(f" {comment} "))
    defs = ET.SubElement(root, "ViewDefinitions")
    for view in VIEWS:
        v = ET.SubElement(defs, "View")
        ET.SubElement(v, "Name").text = view.type_name
        ET.SubElement(ET.SubElement(v, "ViewSelectedBy"), "TypeName").text = view.type_name
        table = ET.SubElement(v, "TableControl")
        headers = ET.SubElement(table, "TableHeaders")
        for col in view.columns:
            ET.SubElement(ET.SubElement(headers, "TableColumnHeader"), "Label").text = col.label
        entry = ET.SubElement(ET.SubElement(table, "TableRowEntries"), "TableRowEntry")
        items = ET.SubElement(entry, "TableColumnItems")
        for col in view.columns:
            item = ET.SubElement(items, "TableColumnItem")
            if col.script is not None:
                ET.SubElement(item, "ScriptBlock").text = col.script
            else:
                ET.SubElement(item, "PropertyName").text = col.property
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
