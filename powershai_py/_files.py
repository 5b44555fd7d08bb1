"""Files: turning user values into FileData for a call, and saving result files safely."""

from __future__ import annotations

import os
import re
import threading
from typing import TYPE_CHECKING, Any

from . import _errors as err
from . import _protocol as proto

if TYPE_CHECKING:
    from ._client import GradioClient

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f<>:"|?*\\/]')


def is_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def file_data_from_url(url: str) -> dict[str, Any]:
    """A URL passes through without upload, as FileData (Gradio 4 fetches it; 5+ may refuse)."""
    name = url.rstrip("/").rsplit("/", 1)[-1] or "file"
    return {"path": url, "url": url, "orig_name": name, "meta": dict(proto.FILE_DATA_META)}


def file_data_from_server_path(api_root: str, server_path: str, orig_name: str) -> dict[str, Any]:
    return {
        "path": server_path,
        "url": proto.file_url(api_root, server_path),
        "orig_name": orig_name,
        "meta": dict(proto.FILE_DATA_META),
    }


def with_meta(value: dict[str, Any]) -> dict[str, Any]:
    """Gradio 5+ refuses FileData without meta; adding it is harmless on 4."""
    if isinstance(value.get("meta"), dict):
        return value
    return {**value, "meta": dict(proto.FILE_DATA_META)}


def safe_file_name(name: str) -> str:
    """A server-chosen name reduced to one harmless path component."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = _UNSAFE_CHARS.sub("_", base).strip().lstrip(".")
    return base[:200] or "file"


def safe_destination(folder: str, name: str) -> str:
    """A path for ``name`` inside ``folder`` that cannot escape it (and does not overwrite)."""
    root = os.path.realpath(folder)
    stem, ext = os.path.splitext(safe_file_name(name))
    candidate = os.path.join(root, stem + ext)
    counter = 1
    while os.path.exists(candidate):
        candidate = os.path.join(root, f"{stem}-{counter}{ext}")
        counter += 1
    final = os.path.realpath(candidate)
    if os.path.commonpath([root, final]) != root:
        raise err.UnsafeDownload(f"Refusing to write {name!r} outside {folder}")
    return final


class Downloader:
    """Saves the files a session's results point to into its DownloadPath (once per server path)."""

    def __init__(self, client: GradioClient, folder: str) -> None:
        self.client = client
        self.folder = folder
        self._saved: dict[str, str] = {}
        self._lock = threading.Lock()

    def save(self, file_data: dict[str, Any]) -> str:
        path = str(file_data.get("path", ""))
        with self._lock:
            if path in self._saved:
                return self._saved[path]
            os.makedirs(self.folder, exist_ok=True)
            name = file_data.get("orig_name") or os.path.basename(path)
            destination = safe_destination(self.folder, str(name))
            self.client.download(str(file_data["url"]), destination)
            self._saved[path] = destination
            return destination


def map_file_data(value: Any, transform: Any) -> Any:
    """Apply ``transform`` to every FileData found in a (nested) result value."""
    if proto.is_file_data(value):
        return transform(value)
    if isinstance(value, list):
        return [map_file_data(v, transform) for v in value]
    if isinstance(value, dict):
        return {k: map_file_data(v, transform) for k, v in value.items()}
    return value
