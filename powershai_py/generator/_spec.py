"""Load and validate the cmdlet spec (``PowerShellModule/spec/cmdlets.yaml``).

The schema is described in ``docs/DESIGN.md``. Unknown keys and missing fields are errors: the spec
is the single source of truth for the generated PowerShell surface, so a typo must not pass
silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "SPEC_SCHEMA",
    "CmdletSpec",
    "GeneratorError",
    "ModuleSpec",
    "ParameterSpec",
    "Spec",
    "load_spec",
    "parse_spec",
]

SPEC_SCHEMA = "powershai-py/cmdlets/1"

PIPELINE_VALUES = ("value", "propertyName", "both")
COMPLETER_VALUES = ("apiName", "sessionName")
CONFIRM_IMPACTS = ("Low", "Medium", "High")

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CMDLET_RE = re.compile(r"^[A-Z][A-Za-z]+-[A-Za-z][A-Za-z0-9]*$")
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SWITCH_TYPES = ("switchparameter", "switch", "system.management.automation.switchparameter")
_TYPE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*(\[\])?$")


class GeneratorError(Exception):
    """A problem in the generator's inputs (spec, help pages, runtime); the message says where."""


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    type: str = "Object"
    position: int | None = None
    default: str | None = None
    aliases: tuple[str, ...] = ()
    pipeline: str | None = None
    validate_set: tuple[str, ...] = ()
    completer: str | None = None
    mandatory: bool = False
    hidden: bool = False
    remaining_arguments: bool = False  # takes every argument no other parameter bound
    # The parameter sets it belongs to (ParameterSetName); empty: all of them.
    parameter_sets: tuple[str, ...] = ()
    note: str | None = None

    @property
    def is_switch(self) -> bool:
        return self.type.lower() in _SWITCH_TYPES

    @property
    def is_object(self) -> bool:
        return self.type.lower() in ("object", "system.object")

    @property
    def by_value(self) -> bool:
        return self.pipeline in ("value", "both")

    @property
    def by_property_name(self) -> bool:
        return self.pipeline in ("propertyName", "both")


@dataclass(frozen=True)
class CmdletSpec:
    name: str
    parameters: tuple[ParameterSpec, ...]
    aliases: tuple[str, ...] = ()
    should_process: str | None = None
    # Parameters whose presence makes the call a listing that needs no confirmation
    # (Remove-GradioSessionApi -Elegible only returns the candidates).
    confirm_skipped_by: tuple[str, ...] = ()
    output: tuple[str, ...] = ()
    note: str | None = None
    # The internal worker cmdlet that lists this cmdlet's dynamic parameters (a DynamicParam
    # block asks it with the static parameters bound so far).
    dynamic_parameters: str | None = None
    # Declared without [CmdletBinding()], as PowerShai declared it: piped input and extra
    # arguments are ignored, not refused (parameters take positions in declared order).
    plain_function: bool = False

    @property
    def parameter_set_names(self) -> tuple[str, ...]:
        """The named parameter sets, sorted (PowerShai's pages list them so); empty: none."""
        return tuple(sorted({n for p in self.parameters for n in p.parameter_sets}))

    def parameters_in_set(self, set_name: str) -> tuple[ParameterSpec, ...]:
        """The parameters a call in ``set_name`` may use (its own and those of every set)."""
        return tuple(p for p in self.parameters
                     if not p.parameter_sets or set_name in p.parameter_sets)

    @property
    def verb(self) -> str:
        return self.name.split("-", 1)[0]

    @property
    def noun(self) -> str:
        return self.name.split("-", 1)[1]


@dataclass(frozen=True)
class ModuleSpec:
    name: str
    version: str
    guid: str
    description: str
    # Names of the psm1's own param() (Import-Module -ArgumentList binds them by position).
    import_arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    schema: str
    module: ModuleSpec
    cmdlets: tuple[CmdletSpec, ...]

    def cmdlet(self, name: str) -> CmdletSpec:
        for c in self.cmdlets:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def aliases(self) -> list[str]:
        return [a for c in self.cmdlets for a in c.aliases]


# -- validation helpers -------------------------------------------------------------------------


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise GeneratorError(f"{where}: expected a mapping, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise GeneratorError(f"{where}: keys must be strings, got {key!r}")
    return value


def _check_keys(
    data: Mapping[str, Any], where: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        allowed = ", ".join(required + optional)
        raise GeneratorError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {allowed})")
    missing = [k for k in required if k not in data]
    if missing:
        raise GeneratorError(f"{where}: missing required key(s) {', '.join(missing)}")


def _str(value: object, where: str, *, allow_empty: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise GeneratorError(f"{where}: expected a string, got {value!r}")
    text = str(value)
    if not allow_empty and not text.strip():
        raise GeneratorError(f"{where}: must not be empty")
    return text


def _opt_str(value: object, where: str) -> str | None:
    if value is None:
        return None
    return _str(value, where)


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise GeneratorError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(_str(v, f"{where}[{i}]") for i, v in enumerate(value))


def _bool(value: object, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise GeneratorError(f"{where}: expected true or false, got {value!r}")
    return value


def _choice(value: object, where: str, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    text = _str(value, where)
    if text not in choices:
        raise GeneratorError(f"{where}: {text!r} is not one of {', '.join(choices)} (or null)")
    return text


# -- parsing ------------------------------------------------------------------------------------

_PARAM_REQUIRED = ("name",)
_PARAM_OPTIONAL = (
    "type",
    "position",
    "default",
    "aliases",
    "pipeline",
    "validateSet",
    "completer",
    "note",
    "mandatory",
    "hidden",
    "remainingArguments",
    "parameterSets",
)
_CMDLET_REQUIRED = ("name", "parameters")
_CMDLET_OPTIONAL = ("aliases", "shouldProcess", "confirmSkippedBy", "output", "note",
                    "dynamicParameters", "plainFunction")
_MODULE_REQUIRED = ("name", "version", "guid", "description")


def _parse_parameter(raw: object, where: str) -> ParameterSpec:
    data = _mapping(raw, where)
    _check_keys(data, where, _PARAM_REQUIRED, _PARAM_OPTIONAL)
    name = _str(data["name"], f"{where}.name")
    if not _NAME_RE.match(name):
        raise GeneratorError(f"{where}.name: {name!r} is not a valid PowerShell parameter name")
    where = f"{where} ({name})"
    ptype = _str(data.get("type") or "Object", f"{where}.type")
    if not _TYPE_RE.match(ptype):
        raise GeneratorError(f"{where}.type: {ptype!r} is not a PowerShell type name")
    position = data.get("position")
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or position < 0
    ):
        raise GeneratorError(
            f"{where}.position: expected a 0-based integer or null, got {position!r}"
        )
    default = data.get("default")
    if default is not None:
        default = _str(default, f"{where}.default", allow_empty=True)
    aliases = _str_list(data.get("aliases"), f"{where}.aliases")
    for alias in aliases:
        if not _NAME_RE.match(alias):
            raise GeneratorError(f"{where}.aliases: {alias!r} is not a valid alias")
    param = ParameterSpec(
        name=name,
        type=ptype,
        position=position,
        default=default,
        aliases=aliases,
        pipeline=_choice(data.get("pipeline"), f"{where}.pipeline", PIPELINE_VALUES),
        validate_set=_str_list(data.get("validateSet"), f"{where}.validateSet"),
        completer=_choice(data.get("completer"), f"{where}.completer", COMPLETER_VALUES),
        mandatory=_bool(data.get("mandatory"), f"{where}.mandatory"),
        hidden=_bool(data.get("hidden"), f"{where}.hidden"),
        remaining_arguments=_bool(data.get("remainingArguments"), f"{where}.remainingArguments"),
        parameter_sets=_str_list(data.get("parameterSets"), f"{where}.parameterSets"),
        note=_opt_str(data.get("note"), f"{where}.note"),
    )
    if param.is_switch and param.position is not None:
        raise GeneratorError(f"{where}: a switch parameter cannot have a position")
    return param


def _parse_cmdlet(raw: object, where: str) -> CmdletSpec:
    data = _mapping(raw, where)
    _check_keys(data, where, _CMDLET_REQUIRED, _CMDLET_OPTIONAL)
    name = _str(data["name"], f"{where}.name")
    if not _CMDLET_RE.match(name):
        raise GeneratorError(f"{where}.name: {name!r} is not a Verb-Noun command name")
    where = f"cmdlet {name}"
    raw_params = data["parameters"]
    if raw_params is None:
        raw_params = []
    if not isinstance(raw_params, list):
        raise GeneratorError(f"{where}.parameters: expected a list")
    params = tuple(
        _parse_parameter(p, f"{where}.parameters[{i}]") for i, p in enumerate(raw_params)
    )
    seen: dict[str, str] = {}
    for p in params:
        for n in (p.name, *p.aliases):
            key = n.lower()
            if key in seen:
                raise GeneratorError(f"{where}: parameter name or alias {n!r} is used twice")
            seen[key] = p.name
    for p in params:
        for set_name in p.parameter_sets:
            if not _NAME_RE.match(set_name):
                raise GeneratorError(
                    f"{where} ({p.name}).parameterSets: {set_name!r} is not a name")
    set_names = sorted({n for p in params for n in p.parameter_sets}) or [""]
    for set_name in set_names:
        in_set = [p for p in params if not p.parameter_sets or set_name in p.parameter_sets]
        positions = [p.position for p in in_set if p.position is not None]
        if len(positions) != len(set(positions)):
            raise GeneratorError(f"{where}: two parameters share a position")
    aliases = _str_list(data.get("aliases"), f"{where}.aliases")
    output = data.get("output")
    if output is None or isinstance(output, (str, list)):
        outputs = _str_list(output, f"{where}.output")
    else:
        raise GeneratorError(f"{where}.output: expected a type name or a list of type names")
    should_process = _choice(data.get("shouldProcess"), f"{where}.shouldProcess", CONFIRM_IMPACTS)
    plain = _bool(data.get("plainFunction"), f"{where}.plainFunction")
    if plain and (should_process or data.get("dynamicParameters") or any(
            p.by_value or p.by_property_name or p.mandatory or p.parameter_sets or p.validate_set
            or p.aliases or p.remaining_arguments or p.hidden for p in params)):
        raise GeneratorError(f"{where}.plainFunction: a plain function has plain parameters only "
                             "(no pipeline, sets, aliases, ShouldProcess or dynamic parameters)")
    skipped_by = _str_list(data.get("confirmSkippedBy"), f"{where}.confirmSkippedBy")
    if skipped_by and not should_process:
        raise GeneratorError(f"{where}.confirmSkippedBy: only for a cmdlet with shouldProcess")
    unknown = [n for n in skipped_by if n not in {q.name for q in params}]
    if unknown:
        raise GeneratorError(f"{where}.confirmSkippedBy: no parameter {', '.join(unknown)}")
    return CmdletSpec(
        name=name,
        parameters=params,
        aliases=aliases,
        should_process=should_process,
        confirm_skipped_by=skipped_by,
        output=outputs,
        note=_opt_str(data.get("note"), f"{where}.note"),
        dynamic_parameters=_opt_str(data.get("dynamicParameters"), f"{where}.dynamicParameters"),
        plain_function=plain,
    )


def parse_spec(raw: object, source: str = "spec") -> Spec:
    """Validate an already-loaded YAML document and return the typed spec."""
    data = _mapping(raw, source)
    _check_keys(data, source, ("schema", "module", "cmdlets"), ())
    schema = _str(data["schema"], f"{source}.schema")
    if schema != SPEC_SCHEMA:
        raise GeneratorError(f"{source}.schema: expected {SPEC_SCHEMA!r}, got {schema!r}")
    mod = _mapping(data["module"], f"{source}.module")
    _check_keys(mod, f"{source}.module", _MODULE_REQUIRED, ("importArguments",))
    guid = _str(mod["guid"], f"{source}.module.guid")
    if not _GUID_RE.match(guid):
        raise GeneratorError(f"{source}.module.guid: {guid!r} is not a GUID")
    module = ModuleSpec(
        name=_str(mod["name"], f"{source}.module.name"),
        version=_str(mod["version"], f"{source}.module.version"),
        guid=guid,
        description=_str(mod["description"], f"{source}.module.description"),
        import_arguments=_str_list(mod.get("importArguments"), f"{source}.module.importArguments"),
    )
    raw_cmdlets = data["cmdlets"]
    if not isinstance(raw_cmdlets, list) or not raw_cmdlets:
        raise GeneratorError(f"{source}.cmdlets: expected a non-empty list")
    cmdlets = tuple(_parse_cmdlet(c, f"{source}.cmdlets[{i}]") for i, c in enumerate(raw_cmdlets))
    names: set[str] = set()
    for c in cmdlets:
        for n in (c.name, *c.aliases):
            if n.lower() in names:
                raise GeneratorError(f"{source}: command or alias {n!r} is defined twice")
            names.add(n.lower())
    return Spec(schema=schema, module=module, cmdlets=cmdlets)


def load_spec(path: Path) -> Spec:
    """Read and validate the spec file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise GeneratorError(f"cannot read spec {path}: {exc}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GeneratorError(f"{path}: invalid YAML: {exc}") from exc
    return parse_spec(raw, str(path.name))
