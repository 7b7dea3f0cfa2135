"""REST-XML values to and from boto3-shaped Python values, walking the s3control model.

Element names follow botocore's rules: a member's ``locationName``, else its
shape's ``locationName``, else the member name; list items are ``<member>``
unless the list names them; maps are ``<entry><key/><value/></entry>``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring

from s3bo_cli import apimodel


class ValueProblem(ValueError):
    """A text that does not convert to its shape's type; ``where`` names the element."""

    def __init__(self, where: str, text: str, expected: str) -> None:
        super().__init__(f"Value '{text}' at '{where}' failed to satisfy constraint: {expected}")


def local_name(tag: str) -> str:
    """An element tag without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


def member_tag(ref: dict[str, Any], name: str) -> str:
    """The XML element name of a structure member."""
    return ref.get("locationName") or apimodel.shape(ref["shape"]).get("locationName") or name


def parse_xml(body: bytes) -> Element:
    """Parse untrusted XML: no DTDs, no entities, no external references."""
    return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)


# -- text <-> scalar ---------------------------------------------------------


def from_text(shape_name: str, text: str, where: str) -> Any:
    """A scalar from its wire text (XML element text, header or query value)."""
    kind = apimodel.shape(shape_name)["type"]
    if kind in ("integer", "long"):
        try:
            return int(text.strip())
        except ValueError:
            raise ValueProblem(where, text, "Member must be an integer") from None
    if kind == "boolean":
        value = text.strip().lower()
        if value not in ("true", "false"):
            raise ValueProblem(where, text, "Member must be true or false")
        return value == "true"
    if kind in ("float", "double"):
        try:
            return float(text.strip())
        except ValueError:
            raise ValueProblem(where, text, "Member must be a number") from None
    if kind == "timestamp":
        return text.strip()  # kept as the ISO 8601 string the client sent
    return text


def to_text(shape_name: str, value: Any) -> str:
    """The wire text of a scalar."""
    kind = apimodel.shape(shape_name)["type"]
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return timestamp_text(value)
    return str(value)


def timestamp_text(value: Any) -> str:
    """ISO 8601 in UTC with milliseconds, as AWS writes them; strings pass through."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return str(value)


# -- XML -> Python -------------------------------------------------------------


def decode(shape_name: str, node: Element, where: str) -> Any:
    """The value of ``node`` read as shape ``shape_name``; unknown elements are ignored."""
    shape = apimodel.shape(shape_name)
    kind = shape["type"]
    if kind == "structure":
        return decode_members(shape, node, where)
    if kind == "list":
        ref = shape["member"]
        tag = ref.get("locationName", "member")
        return [
            decode(ref["shape"], child, f"{where}.{tag}")
            for child in node
            if local_name(child.tag) == tag
        ]
    if kind == "map":
        key_tag = shape["key"].get("locationName", "key")
        value_tag = shape["value"].get("locationName", "value")
        result: dict[str, Any] = {}
        for entry in node:
            if local_name(entry.tag) != "entry":
                continue
            parts = {local_name(child.tag): child for child in entry}
            if key_tag in parts:
                key = decode(shape["key"]["shape"], parts[key_tag], f"{where}.{key_tag}")
                value_node = parts.get(value_tag)
                result[key] = (
                    decode(shape["value"]["shape"], value_node, f"{where}.{value_tag}")
                    if value_node is not None
                    else ""
                )
        return result
    return from_text(shape_name, node.text or "", where)


def decode_members(shape: dict[str, Any], node: Element, where: str) -> dict[str, Any]:
    """A structure's body members, in document order (located members are skipped)."""
    by_tag: dict[str, tuple[str, dict[str, Any]]] = {}
    flattened: set[str] = set()
    for name, ref in shape.get("members", {}).items():
        if ref.get("location"):
            continue
        member_shape = apimodel.shape(ref["shape"])
        if member_shape.get("flattened"):
            tag = member_shape["member"].get("locationName") or member_tag(ref, name)
            flattened.add(name)
        else:
            tag = member_tag(ref, name)
        by_tag[tag] = (name, ref)
    result: dict[str, Any] = {}
    for child in node:
        found = by_tag.get(local_name(child.tag))
        if found is None:
            continue
        name, ref = found
        path = f"{where}.{name}" if where else name
        if name in flattened:
            item_shape = apimodel.shape(ref["shape"])["member"]["shape"]
            result.setdefault(name, []).append(decode(item_shape, child, path))
        else:
            result[name] = decode(ref["shape"], child, path)
    return result


# -- Python -> XML -------------------------------------------------------------
# Written straight to text (what ElementTree would write, without building a tree
# first): a response is rendered on every request.


def encode(out: list[str], tag: str, shape_name: str, value: Any) -> None:
    """Append ``value`` (of shape ``shape_name``) to ``out`` as element ``tag``."""
    shape = apimodel.shape(shape_name)
    kind = shape["type"]
    if kind == "structure":
        _element(out, tag, lambda inner: encode_members(inner, shape, value))
    elif kind == "list":
        ref = shape["member"]
        if shape.get("flattened"):
            for item in value:
                encode(out, ref.get("locationName", tag), ref["shape"], item)
            return
        item_tag = ref.get("locationName", "member")

        def items(inner: list[str]) -> None:
            for item in value:
                encode(inner, item_tag, ref["shape"], item)

        _element(out, tag, items)
    elif kind == "map":
        key_tag = shape["key"].get("locationName", "key")
        value_tag = shape["value"].get("locationName", "value")

        def entries(inner: list[str]) -> None:
            for key, item in value.items():
                inner.append("<entry>")
                encode(inner, key_tag, shape["key"]["shape"], key)
                encode(inner, value_tag, shape["value"]["shape"], item)
                inner.append("</entry>")

        _element(out, tag, entries)
    else:
        text = escape(to_text(shape_name, value))
        out.append(f"<{tag}>{text}</{tag}>" if text else f"<{tag} />")


def _element(out: list[str], tag: str, fill: Callable[[list[str]], Any]) -> None:
    """``<tag>...</tag>`` around what ``fill`` appends, or ``<tag />`` when it appends nothing."""
    inner: list[str] = []
    fill(inner)
    out.append(f"<{tag}>{''.join(inner)}</{tag}>" if inner else f"<{tag} />")


def encode_members(
    out: list[str], shape: dict[str, Any], value: dict[str, Any], *, always_lists: bool = False
) -> None:
    """Append a structure's body members in model order; None and unknown keys are skipped.

    ``always_lists`` writes absent list members as empty elements, so clients
    see ``[]`` rather than a missing key (``<Jobs/>`` in ListJobs).
    """
    for name, ref in shape.get("members", {}).items():
        if ref.get("location"):
            continue
        item = value.get(name)
        if item is None and always_lists and apimodel.shape(ref["shape"])["type"] == "list":
            item = []
        if item is not None:
            encode(out, member_tag(ref, name), ref["shape"], item)


def document(tag: str, shape: dict[str, Any], value: dict[str, Any], namespace: str) -> str:
    """A whole response body's root element (every list member written, empty or not)."""
    inner: list[str] = []
    encode_members(inner, shape, value, always_lists=True)
    start = f'{tag} xmlns="{escape(namespace, _QUOTE)}"'
    return f"<{start}>{''.join(inner)}</{tag}>" if inner else f"<{start} />"


_QUOTE = {'"': "&quot;"}
