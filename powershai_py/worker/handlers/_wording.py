"""The PowerShell words for the hints the core gives in Python words.

The core's messages say Python things ("connect with a username and password", "force=True
replaces it"); a cmdlet's user needs the parameter to use. The table is keyed by error class and
replaces the core's phrase with the cmdlet's, keeping the id, the class and the cause.
"""

from __future__ import annotations

from ... import _errors as err

# error class -> (the core's phrase, the PowerShell phrase)
POWERSHELL_HINTS: dict[type[err.PowershaiPyError], tuple[str, str]] = {
    err.AuthenticationFailed: ("connect with a username and password",
                               "use New-GradioSession -Credential"),
    err.SessionError: ("force=True replaces it", "use -Force to replace it"),
    err.NoDefaultSession: ("choose one as the default",
                           "choose one with Set-GradioSession -Default"),
    err.SpaceNotFound: ("token= or HF_TOKEN", "-Token or HF_TOKEN"),
}


def in_powershell_words(exc: err.PowershaiPyError) -> err.PowershaiPyError:
    """``exc`` with its hint in PowerShell words (``exc`` itself when it has none)."""
    hint = POWERSHELL_HINTS.get(type(exc))
    if hint is None or hint[0] not in exc.text:
        return exc
    worded = type(exc)(exc.text.replace(*hint), category=exc.category, status=exc.status)
    worded.error_id = exc.error_id
    worded.__cause__ = exc.__cause__
    return worded
