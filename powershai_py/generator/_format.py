"""Render ``<Module>.format.ps1xml``: default table views for PowerShai's public type names.

The views show what people look at first: for a result, its event and its value as text (the
last column takes the rest of the line); the receive time stays a property (``$_.ts``) and is in
the list view (``Format-List``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

__all__ = ["VIEWS", "Column", "View", "render_format"]


@dataclass(frozen=True)
class Column:
    label: str
    property: str | None = None
    script: str | None = None
    width: int | None = None


@dataclass(frozen=True)
class View:
    type_name: str
    columns: tuple[Column, ...]
    # Format-List's default for the type; None: PowerShell's own (every property).
    list_items: tuple[Column, ...] | None = None


# One output shows as itself, several as their texts on one line (not "{a, b}" cut at 4 items).
DATA_TEXT = "($_.data | ForEach-Object { if ($null -eq $_) { '' } else { \"$_\" } }) -join ' '"

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
            Column("num", "num", width=4),
            Column("event", "event", width=10),
            Column("data", script=DATA_TEXT),
        ),
        (
            Column("num", "num"),
            Column("ts", script="$_.ts.ToString('yyyy-MM-dd HH:mm:ss.fff')"),
            Column("event", "event"),
            Column("data", script=DATA_TEXT),
        ),
    ),
)


def _item(parent: ET.Element, tag: str, col: Column) -> None:
    item = ET.SubElement(parent, tag)
    if tag == "ListItem":
        ET.SubElement(item, "Label").text = col.label
    if col.script is not None:
        ET.SubElement(item, "ScriptBlock").text = col.script
    else:
        ET.SubElement(item, "PropertyName").text = col.property


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
            header = ET.SubElement(headers, "TableColumnHeader")
            ET.SubElement(header, "Label").text = col.label
            if col.width is not None:
                ET.SubElement(header, "Width").text = str(col.width)
        entry = ET.SubElement(ET.SubElement(table, "TableRowEntries"), "TableRowEntry")
        items = ET.SubElement(entry, "TableColumnItems")
        for col in view.columns:
            _item(items, "TableColumnItem", col)
        if view.list_items is not None:
            lv = ET.SubElement(defs, "View")
            ET.SubElement(lv, "Name").text = view.type_name + ".List"
            ET.SubElement(ET.SubElement(lv, "ViewSelectedBy"), "TypeName").text = view.type_name
            entries = ET.SubElement(ET.SubElement(lv, "ListControl"), "ListEntries")
            list_items = ET.SubElement(ET.SubElement(entries, "ListEntry"), "ListItems")
            for col in view.list_items:
                _item(list_items, "ListItem", col)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
