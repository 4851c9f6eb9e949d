"""Synthetic specs N times the size of the Portkey spec, made of renamed copies of it.

Copy 0 is the spec itself (with the project's overlay applied, so every copy is valid); copy k
(k >= 1) adds every path under ``/copy{k}``, every operationId with a ``Copy{k}`` suffix and every
component schema as ``<Name>Copy{k}``, with the copy's ``$ref``s pointing at its own schemas. So a
16x spec has 16 x 224 operations and 16 x 503 component schemas with the same shapes, and the
generator meets no construct it has not seen at 1x: growth in time or memory is growth in size.

    python bench/synth.py 4 /tmp/portkey-4x.json      # writes JSON (a YAML subset; loads fast)

It also writes ``<target>.names.json``: spec/names.yaml with its per-operation overrides repeated
for each copy (pass it as `names` in the [tool.portkey-codegen] table).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OVERLAY = REPO / "spec" / "overlay.yaml"
NAMES = REPO / "spec" / "names.yaml"
SCHEMA_REF = "#/components/schemas/"


def base_document(spec: Path | None = None, overlay: Path | None = OVERLAY) -> dict[str, Any]:
    """The spec (default: the pinned one) as JSON data, overlay applied, aliases expanded."""
    sys.path.insert(0, str(REPO))
    if spec is None:
        from pinned_spec import pinned_spec

        spec = pinned_spec()
    from portkey_codegen import overlay as overlay_mod
    from portkey_codegen.load import load_spec

    document = load_spec(spec).document
    if overlay is not None and overlay.is_file():
        document = overlay_mod.apply_overlay(document, overlay_mod.load_overlay(overlay), overlay_path=overlay)
    return json.loads(json.dumps(document))


def _renamed(node: Any, names: dict[str, str]) -> Any:
    """A deep copy of `node` with schema $refs renamed (names: old schema name -> new)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                tail = value[len(SCHEMA_REF) :]
                name, sep, rest = tail.partition("/")
                out[key] = SCHEMA_REF + names.get(name, name) + sep + rest
            elif key == "mapping" and isinstance(value, dict):
                out[key] = {
                    k: _renamed({"$ref": v}, names)["$ref"] if isinstance(v, str) else v for k, v in value.items()
                }
            else:
                out[key] = _renamed(value, names)
        return out
    if isinstance(node, list):
        return [_renamed(v, names) for v in node]
    return node


def scaled(document: dict[str, Any], factor: int) -> dict[str, Any]:
    """`document` plus `factor - 1` renamed copies of its paths and component schemas."""
    if factor < 1:
        raise ValueError("factor must be >= 1")
    out = json.loads(json.dumps(document))
    schemas = document.get("components", {}).get("schemas", {})
    paths = document.get("paths", {})
    for k in range(1, factor):
        suffix = f"Copy{k}"
        names = {name: name + suffix for name in schemas}
        for name, schema in schemas.items():
            out["components"]["schemas"][names[name]] = _renamed(schema, names)
        for path, item in paths.items():
            new_item = _renamed(item, names)
            for op in new_item.values():
                if isinstance(op, dict) and isinstance(op.get("operationId"), str):
                    op["operationId"] += suffix
            out["paths"][f"/copy{k}{path}"] = new_item
    return out


def counts(document: dict[str, Any]) -> tuple[int, int]:
    """(operations, component schemas)."""
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    ops = sum(1 for item in document.get("paths", {}).values() for m in item if m in methods)
    return ops, len(document.get("components", {}).get("schemas", {}))


def write_scaled(factor: int, target: Path, base: dict[str, Any] | None = None) -> tuple[int, int]:
    document = scaled(base if base is not None else base_document(), factor)
    target.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return counts(document)


def scaled_names(factor: int, names: Path = NAMES) -> dict[str, Any]:
    """spec/names.yaml with its per-operation overrides repeated for every copy."""
    import yaml

    data = yaml.safe_load(names.read_text("utf-8")) if names.is_file() else {}
    ops = dict(data.get("operations") or {})
    for k in range(1, factor):
        for key, target in list(ops.items())[: len(data.get("operations") or {})]:
            method, _, path = key.partition(" ")
            ops[f"{method} /copy{k}{path}"] = f"copy{k}.{target}"
    return {**data, "operations": ops}


def write_names(factor: int, target: Path) -> None:
    target.write_text(json.dumps(scaled_names(factor), ensure_ascii=False, indent=1), "utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python bench/synth.py FACTOR TARGET.json", file=sys.stderr)
        return 2
    factor, target = int(argv[0]), Path(argv[1])
    ops, schemas = write_scaled(factor, target)
    write_names(factor, target.with_suffix(".names.json"))
    print(f"{target}: {factor}x, {ops} operations, {schemas} component schemas, {target.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
