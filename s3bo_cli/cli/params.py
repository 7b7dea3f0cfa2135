"""The aws CLI's argument syntax for structure and list options.

Values may be ``file://path`` (the file's text), JSON, or the aws CLI
*shorthand* (``Bucket=b,Enabled=true,Spec={Fields=[Bucket,Key]}``). Shorthand
yields strings only; the s3control model then converts integers, longs,
doubles and booleans and wraps lone values given for list members, as the
aws CLI does. Unknown keys and wrong types are left for request validation.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from s3bo_cli import apimodel
from s3bo_cli.errors import UsageError

FILE_PREFIX = "file://"
_COMPLEX = ("structure", "list", "map")


def _fail(option_name: str | None, message: str) -> UsageError:
    if option_name:
        return UsageError(f"Error parsing parameter '{option_name}': {message}")
    return UsageError(message)


def load_value(text: str, *, option_name: str | None = None) -> str:
    """Return the text of ``file://path`` (relative or absolute), or ``text`` unchanged."""
    if not text.startswith(FILE_PREFIX):
        return text
    path = Path(os.path.expanduser(text[len(FILE_PREFIX) :]))
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _fail(option_name, f"Unable to load paramfile {text}: {reason}: '{path}'") from None


def _load_json(option_name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise _fail(option_name, f"Invalid JSON: {exc.msg}: {where}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))


class _ShorthandError(Exception):
    def __init__(self, message: str, text: str, index: int) -> None:
        super().__init__(f"{message} for input: {_one_line(text)} (column {index + 1})")


def _syntax_error(text: str, expected: str, actual: str, index: int) -> _ShorthandError:
    return _ShorthandError(f"Expected: '{expected}', received: '{actual}'", text, index)


# Character classes of the aws CLI shorthand grammar.
_START = r"!#-&(-+\--<>-Z\\-z|-\uffff"
_FIRST_FOLLOW = r"\s!#-&(-+\--\\^-|~-\uffff"
_SECOND_FOLLOW = r"\s!#-&(-+\--<>-\uffff"
_ESC_COMMA = r"\\,"
_FIRST_VALUE = re.compile(f"(?:{_ESC_COMMA}|[{_START}])(?:{_ESC_COMMA}|[{_FIRST_FOLLOW}])*")
_SECOND_VALUE = re.compile(f"(?:{_ESC_COMMA}|[{_START}])(?:{_ESC_COMMA}|[{_SECOND_FOLLOW}])*")
_SINGLE_QUOTED = re.compile(r"'(?:\\'|[^'])*'")
_DOUBLE_QUOTED = re.compile(r'"(?:\\"|[^"])*"')
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.#/:")
_WHITESPACE = frozenset(" \t\n\r\x0b\x0c")


class _Shorthand:
    """Recursive-descent parser for one shorthand value (purely syntactic)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.from_file = False

    def parse(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        key, value = self._keyval()
        params[key] = value
        last = self.pos
        while not self._at_eof():
            self._expect(",", skip_ws=True)
            key, value = self._keyval()
            if key in params:
                raise _ShorthandError(
                    f'Second instance of key "{key}" encountered (often a "," where a space '
                    "belongs)",
                    self.text,
                    last + 1,
                )
            params[key] = value
            last = self.pos
        return params

    # grammar -------------------------------------------------------------

    def _keyval(self) -> tuple[str, Any]:
        key = self._key()
        self._file_marker()
        self._expect("=", skip_ws=True)
        return key, self._values()

    def _file_marker(self) -> None:
        self._skip_ws()
        self.from_file = self._current() == "@"
        if self.from_file:
            self.pos += 1

    def _key(self) -> str:
        start = self.pos
        while not self._at_eof() and self.text[self.pos] in _KEY_CHARS:
            self.pos += 1
        return self.text[start : self.pos]

    def _values(self) -> Any:
        if self._at_eof():
            return ""
        if self._current() == "[":
            return self._explicit_list()
        if self._current() == "{":
            return self._hash_literal()
        return self._csv_value()

    def _csv_value(self) -> Any:
        first = self._first_value()
        self._skip_ws()
        if self._at_eof() or self._current() != ",":
            return first
        self._expect(",", skip_ws=True)
        items = [first]
        while True:
            try:
                current = self._second_value()
                self._skip_ws()
                if self._at_eof():
                    items.append(current)
                    break
                self._expect(",", skip_ws=True)
                items.append(current)
            except _ShorthandError:
                # ``a=b,c=d``: the text after the comma is the next key; back up to it.
                if self._at_eof():
                    raise
                while self.pos >= 0 and self.text[self.pos] != ",":
                    self.pos -= 1
                break
        return first if len(items) == 1 else items

    def _explicit_list(self) -> list[Any]:
        self._expect("[", skip_ws=True)
        items: list[Any] = []
        while self._current() != "]":
            items.append(self._explicit_value())
            self._skip_ws()
            if self._current() != "]":
                self._expect(",")
                self._skip_ws()
        self._expect("]")
        return items

    def _hash_literal(self) -> dict[str, Any]:
        self._expect("{", skip_ws=True)
        members: dict[str, Any] = {}
        while self._current() != "}":
            key = self._key()
            self._file_marker()
            self._expect("=", skip_ws=True)
            value = self._explicit_value()
            self._skip_ws()
            if self._current() != "}":
                self._expect(",")
                self._skip_ws()
            members[key] = value
        self._expect("}")
        return members

    def _explicit_value(self) -> Any:
        if self._current() == "[":
            return self._explicit_list()
        if self._current() == "{":
            return self._hash_literal()
        return self._first_value()

    def _first_value(self) -> str:
        quoted = self._quoted()
        if quoted is not None:
            return quoted
        match = _FIRST_VALUE.match(self.text, self.pos)
        if match is None:
            return ""
        self.pos = match.end()
        return self._resolve(match.group().replace("\\,", ",").rstrip())

    def _second_value(self) -> str:
        quoted = self._quoted()
        if quoted is not None:
            return quoted
        match = self._must_match(_SECOND_VALUE, "second")
        return self._resolve(match.replace("\\,", ",").rstrip())

    def _quoted(self) -> str | None:
        quote = self._current()
        if quote == "'":
            raw = self._must_match(_SINGLE_QUOTED, "singled quoted")
        elif quote == '"':
            raw = self._must_match(_DOUBLE_QUOTED, "double quoted")
        else:
            return None
        value = raw[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\")
        return self._resolve(value)

    def _resolve(self, value: str) -> str:
        return load_value(value) if self.from_file else value

    # scanning ------------------------------------------------------------

    def _must_match(self, regex: re.Pattern[str], name: str) -> str:
        match = regex.match(self.text, self.pos)
        if match is None:
            raise _syntax_error(self.text, f"<{name}>", "<none>", self.pos)
        self.pos = match.end()
        return match.group()

    def _expect(self, char: str, *, skip_ws: bool = False) -> None:
        if skip_ws:
            self._skip_ws()
        if self._at_eof():
            raise _syntax_error(self.text, char, "EOF", self.pos)
        actual = self.text[self.pos]
        if actual != char:
            raise _syntax_error(self.text, char, actual, self.pos)
        self.pos += 1
        if skip_ws:
            self._skip_ws()

    def _current(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _at_eof(self) -> bool:
        return self.pos >= len(self.text)

    def _skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
            self.pos += 1


def parse_shorthand(text: str) -> dict[str, Any]:
    """Parse shorthand syntax into strings, lists and dicts (no model applied).

    Raises ``ValueError`` with the aws CLI's wording on a syntax error.
    """
    try:
        return _Shorthand(text).parse()
    except _ShorthandError as exc:
        raise ValueError(str(exc)) from None


def _convert(option_name: str, value: Any, shape_name: str) -> Any:
    """Apply the model to shorthand output: scalar types, lone values for lists."""
    if value is None:
        return None
    shape = apimodel.shape(shape_name)
    kind = shape["type"]
    if kind == "structure":
        if isinstance(value, dict):
            members = shape.get("members", {})
            for name, member in members.items():
                if name in value:
                    value[name] = _convert(option_name, value[name], member["shape"])
        return value
    if kind == "list":
        items = value if isinstance(value, list) else [value]
        return [_convert(option_name, item, shape["member"]["shape"]) for item in items]
    if kind == "map":
        if isinstance(value, dict):
            return {k: _convert(option_name, v, shape["value"]["shape"]) for k, v in value.items()}
        return value
    if not isinstance(value, str):
        return value
    return _scalar(option_name, value, kind)


def _scalar(option_name: str, value: str, kind: str) -> Any:
    try:
        if kind in ("integer", "long"):
            return int(value)
        if kind in ("double", "float"):
            return float(value)
    except ValueError as exc:
        raise _fail(option_name, str(exc)) from None
    if kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _shorthand(option_name: str, text: str) -> dict[str, Any]:
    try:
        return _Shorthand(text).parse()
    except _ShorthandError as exc:
        raise _fail(option_name, str(exc)) from None


def parse_structure(option_name: str, text: str, shape_name: str) -> dict[str, Any]:
    """Parse a structure option (``--report``, ``--operation``, ...) given as JSON or shorthand."""
    text = load_value(text, option_name=option_name)
    stripped = text.strip()
    if stripped.startswith("{"):
        return _load_json(option_name, text)
    if stripped.startswith("["):
        raise _fail(option_name, f"Invalid JSON: expected an object: {_one_line(stripped)}")
    return _convert(option_name, _shorthand(option_name, text), shape_name)


def parse_list(option_name: str, values: tuple[str, ...], shape_name: str) -> list[Any]:
    """Parse a list option: one JSON list, or items in shorthand, JSON objects or scalars."""
    texts = [load_value(v, option_name=option_name) for v in values]
    if not texts:
        return []
    first = texts[0].strip()
    if len(texts) == 1 and first.startswith("["):
        parsed = _load_json(option_name, texts[0])
        if not isinstance(parsed, list):  # pragma: no cover - "[" always opens a list
            raise _fail(option_name, "Invalid JSON: expected a list")
        return parsed
    member_name = apimodel.shape(shape_name)["member"]["shape"]
    member_kind = apimodel.shape(member_name)["type"]
    if member_kind not in _COMPLEX:
        return [_scalar(option_name, text, member_kind) for text in texts]
    if first.startswith(("{", "[")):
        return [_load_json(option_name, text) for text in texts]
    items = [_shorthand(option_name, text) for text in texts]
    return [_convert(option_name, item, member_name) for item in items]


def parse_cli_input_json(text: str) -> dict[str, Any]:
    """Parse ``--cli-input-json``: a JSON object, inline or ``file://``."""
    option_name = "--cli-input-json"
    parsed = _load_json(option_name, load_value(text, option_name=option_name))
    if not isinstance(parsed, dict):
        raise _fail(option_name, "Invalid JSON: expected an object")
    return parsed
