"""The pydantic models of ecconf's JSON form, derived from models.py's dataclasses when first asked.

Rule of this room: nothing here is written twice. Each pydantic model is made (pydantic's `create_model`)
from one dataclass of models.py, field for field: the same name, annotation, default, description and
lower bound, and the class's docstring. So JSON input is validated, and the JSON Schema written, by
exactly the shape lint builds, and `ecconf lint` on a config file never imports pydantic. Only JSON input
(from_json.py, relocate.py, redact.py) and `ecconf schema` come here.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any, Literal  # noqa: F401  # names the derived annotations are evaluated with

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from . import models
from .models import JsonValue, Model, fields_of  # noqa: F401  # JsonValue: as above
from .schema import ANY_MARK

# The dataclasses, leaves first; each pydantic model takes its class's name, so annotations such as
# "list[GenericScope]" name the derived models when evaluated in this module.
CLASSES: tuple[type[Model], ...] = (
    models.GenericScope,
    models.AuthParameters,
    models.Peer,
    models.Listen,
    models.EsmtpListener,
    models.EcLogger,
    models.Config,
)


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _field(f: dataclasses.Field[Any]) -> tuple[str, Any]:
    bound = {"ge": f.metadata["ge"]} if f.metadata.get("ge") is not None else {}
    description = f.metadata.get("description")
    if f.default_factory is not dataclasses.MISSING:
        info = Field(default_factory=f.default_factory, description=description, **bound)
    elif f.default is not dataclasses.MISSING:
        info = Field(f.default, description=description, **bound)
    else:
        info = Field(description=description, **bound)
    return str(f.type), info


@cache
def derived() -> dict[type[Model], type[BaseModel]]:
    """Dataclass -> its pydantic model, made once."""
    here = globals()
    out: dict[type[Model], type[BaseModel]] = {}
    for cls in CLASSES:
        made = create_model(  # type: ignore[call-overload]
            cls.__name__,
            __base__=_Base,
            __doc__=_docstring(cls),
            __module__=__name__,
            **{f.name: _field(f) for f in fields_of(cls)},
        )
        here[cls.__name__] = made  # what the string annotations of the next ones name
        out[cls] = made
    for made in out.values():
        made.model_rebuild(_types_namespace=here)
    return out


def _docstring(cls: type[Model]) -> str | None:
    # A dataclass without a docstring of its own is given its signature as one: not a description.
    doc = cls.__doc__
    return None if doc is None or doc.startswith(cls.__name__ + "(") else doc


class SchemaGenerator(GenerateJsonSchema):
    """pydantic's generator with ecconf's choices: no nulls, no per-field titles, Any is JsonValue."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> dict[str, Any]:
        return self.generate_inner(schema["schema"])

    def any_schema(self, schema: core_schema.AnySchema) -> dict[str, Any]:
        return dict(ANY_MARK)  # pydantic checks every $ref it sees; the real one is put in afterwards

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def json_schema() -> dict[str, Any]:
    """pydantic's JSON Schema of Config (schema.py sharpens it); Any spelled as ANY_MARK."""
    return config_model().model_json_schema(schema_generator=SchemaGenerator)


def config_model() -> type[BaseModel]:
    return derived()[models.Config]


def validate(data: Any) -> models.Config:
    """JSON data -> the Config it describes (raises pydantic.ValidationError when it does not fit)."""
    checked = config_model().model_validate(data)
    config = _plain(checked, {made: plain for plain, made in derived().items()})
    assert isinstance(config, models.Config)
    return config


def _plain(value: Any, by_model: dict[type[BaseModel], type[Model]]) -> Any:
    """A validated pydantic model (or a list of them) -> the dataclasses it was derived from (no positions)."""
    if isinstance(value, BaseModel):
        cls = by_model[type(value)]
        return cls(**{f.name: _plain(getattr(value, f.name), by_model) for f in fields_of(cls)})
    if isinstance(value, list):
        return [_plain(item, by_model) for item in value]
    return value
