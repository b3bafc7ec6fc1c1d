"""Derive the sandbox's protobuf schema (opsconsole/sandbox/proto_schema.json) from the
Kubernetes sources, so that protobuf.py decodes kubectl's bodies by the real definitions.

    python scripts/gen_proto_schema.py API_DIR APIMACHINERY_DIR [-o OUT]

API_DIR and APIMACHINERY_DIR are checkouts (or `git archive` extracts) of k8s.io/api and
k8s.io/apimachinery. From each package's generated.proto come the messages and, per field,
its number, type and whether it is repeated or a map; from the package's Go types (the struct
tags next to them) what the proto cannot say but the JSON form needs: the JSON name, whether
the Go field is a pointer (then a zero value on the wire was set on purpose), `omitempty`,
and embedded structs whose fields are inlined into the parent in JSON (Volume's
VolumeSource). The sources themselves are not committed; only the derived table is.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# The packages whose kinds the sandbox serves, and what they reference.
API_PACKAGES = [
    "core/v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "networking/v1",
    "policy/v1",
    "rbac/v1",
    "scheduling/v1",
    "coordination/v1",
    "storage/v1",
    "authentication/v1",
    "authorization/v1",
    "discovery/v1",
    "events/v1",
]
MACHINERY_PACKAGES = [
    "pkg/apis/meta/v1",
    "pkg/api/resource",
    "pkg/util/intstr",
    "pkg/runtime",
    "pkg/runtime/schema",
]

# Flags per field (kept in step with opsconsole/sandbox/protobuf.py).
REPEATED, MAP, POINTER, OMITEMPTY, INLINE = 1, 2, 4, 8, 16

MESSAGE_RE = re.compile(r"^message (\w+) \{$")
FIELD_RE = re.compile(
    r"^\s+(optional|repeated)?\s*(map<\s*(\S+?)\s*,\s*(\S+?)\s*>|\S+)\s+(\w+)\s*=\s*(\d+)\s*;"
)
STRUCT_RE = re.compile(r"^type (\w+) struct \{")
GO_FIELD_RE = re.compile(r"^\s+(?:(\w+)\s+)?(\S+)\s+`([^`]*)`")
PROTO_TAG_RE = re.compile(r'protobuf:"\w+,(\d+)')
JSON_TAG_RE = re.compile(r'json:"([^"]*)"')


def _qualify(type_name: str, package: str) -> str:
    if type_name.startswith("."):
        return type_name[1:]
    if type_name in {
        "string",
        "bytes",
        "bool",
        "int32",
        "int64",
        "uint32",
        "uint64",
        "double",
        "float",
    }:
        return type_name
    return f"{package}.{type_name}"


def parse_proto(text: str) -> tuple[str, dict[str, dict[int, tuple[str, str, int]]], set[str]]:
    """(package, message → {number: (proto name, type, flags)}, nullable list wrappers)."""
    package = re.search(r"^package ([\w.]+);", text, re.M)
    if package is None:
        raise SystemExit("a generated.proto without a package")
    pkg = package.group(1)
    messages: dict[str, dict[int, tuple[str, str, int]]] = {}
    wrappers: set[str] = set()
    current: str | None = None
    depth = 0
    comment: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            comment.append(stripped)
            continue
        match = MESSAGE_RE.match(line)
        if match and depth == 0:
            current = f"{pkg}.{match.group(1)}"
            messages[current] = {}
            if any("+protobuf.nullable=true" in c for c in comment):
                wrappers.add(current)
            depth = 1
            comment = []
            continue
        comment = []
        if current is None:
            continue
        if stripped.endswith("{"):
            depth += 1
            continue
        if stripped == "}":
            depth -= 1
            if depth == 0:
                current = None
            continue
        field = FIELD_RE.match(line)
        if field and depth == 1:
            label, whole, key, value, name, number = field.groups()
            if key is not None:
                if key != "string":
                    raise SystemExit(f"{current}.{name}: map key {key} is not handled")
                messages[current][int(number)] = (name, _qualify(value, pkg), MAP)
            else:
                flags = REPEATED if label == "repeated" else 0
                messages[current][int(number)] = (name, _qualify(whole, pkg), flags)
    return pkg, messages, wrappers


def parse_go(sources: list[str]) -> dict[str, dict[int, tuple[str, int]]]:
    """Go struct → {proto number: (JSON name, flags)} from the struct tags."""
    out: dict[str, dict[int, tuple[str, int]]] = {}
    for text in sources:
        current: str | None = None
        for line in text.splitlines():
            match = STRUCT_RE.match(line)
            if match:
                current = match.group(1)
                out.setdefault(current, {})
                continue
            if line.startswith("}"):
                current = None
                continue
            if current is None:
                continue
            field = GO_FIELD_RE.match(line)
            if not field or "protobuf:" not in field.group(3):
                continue
            go_name, go_type, tags = field.groups()
            number = PROTO_TAG_RE.search(tags)
            if number is None:
                continue
            json_tag = JSON_TAG_RE.search(tags)
            parts = (json_tag.group(1) if json_tag else "").split(",")
            flags = 0
            if go_type.startswith("*"):
                flags |= POINTER
            if "omitempty" in parts[1:]:
                flags |= OMITEMPTY
            json_name = parts[0]
            if json_name == "-":
                continue
            if not json_name:
                # An embedded struct with no JSON name is inlined into its parent.
                flags |= INLINE if go_name is None or "inline" in parts[1:] else 0
                json_name = go_name or ""
            out[current][int(number.group(1))] = (json_name, flags)
    return out


def package_sources(root: Path, package: str) -> tuple[str, list[str]]:
    directory = root / package
    proto = (directory / "generated.proto").read_text()
    go = [
        p.read_text()
        for p in sorted(directory.glob("*.go"))
        if not p.name.endswith("_test.go") and not p.name.startswith(("zz_", "generated"))
    ]
    return proto, go


def build(api: Path, machinery: Path) -> dict[str, object]:
    messages: dict[str, dict[str, list[object]]] = {}
    wrappers: list[str] = []
    for root, packages in ((api, API_PACKAGES), (machinery, MACHINERY_PACKAGES)):
        for package in packages:
            proto, go = package_sources(root, package)
            _, parsed, nullable = parse_proto(proto)
            structs = parse_go(go)
            wrappers.extend(sorted(nullable))
            for name, fields in parsed.items():
                go_fields = structs.get(name.rsplit(".", 1)[1], {})
                table: dict[str, list[object]] = {}
                for number, (proto_name, type_name, flags) in sorted(fields.items()):
                    json_name, go_flags = go_fields.get(number, (proto_name, OMITEMPTY))
                    table[str(number)] = [json_name, type_name, flags | go_flags]
                messages[name] = table
    return {
        "source": "k8s.io/api and k8s.io/apimachinery generated.proto and Go struct tags; "
        "regenerate with scripts/gen_proto_schema.py",
        "flags": {
            "repeated": REPEATED,
            "map": MAP,
            "pointer": POINTER,
            "omitempty": OMITEMPTY,
            "inline": INLINE,
        },
        "lists": wrappers,
        "messages": dict(sorted(messages.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("api", type=Path, help="a checkout of k8s.io/api")
    parser.add_argument("apimachinery", type=Path, help="a checkout of k8s.io/apimachinery")
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "opsconsole/sandbox/proto_schema.json",
    )
    args = parser.parse_args(argv)
    schema = build(args.api, args.apimachinery)
    lines = [
        "{",
        f' "source": {json.dumps(schema["source"])},',
        f' "flags": {json.dumps(schema["flags"])},',
        f' "lists": {json.dumps(schema["lists"])},',
        ' "messages": {',
    ]
    items = list(schema["messages"].items())  # type: ignore[attr-defined]
    for i, (name, table) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(name)}: {json.dumps(table, separators=(',', ':'))}{comma}")
    lines += [" }", "}", ""]
    args.out.write_text("\n".join(lines))
    print(f"{len(items)} messages → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
