#!/usr/bin/env python3
"""Checks that host/src's folders only include folders of lower layers.

The host is layered; a folder may include its own headers and those of any
lower layer, never of its own layer's other folders or of a higher one.
That keeps each folder testable with what is below it, and no cycles. An
include that reaches up fails this check (ctest host_layering), naming the
file, the line and both layers:

    scripts/check-layers.py [--root host/src]

A new folder must be given a layer here; the check refuses an unknown one.
"""
import argparse
import pathlib
import re
import sys

# Lowest first.
LAYERS = [
    ["core"],                          # status, logger, time
    ["metrics", "config"],             # the metrics registry; config files and the schema
    ["plugins"],                       # plugin loading and the ABI (components read their config entries)
    ["protection"],                    # rate limits, breakers, shedding (no HTTP)
    ["services"],                      # the services plugins call (host_api)
    ["http"],                          # the HTTP engine, routing and its protection middleware
    ["health", "cache", "alerts"],     # capabilities on the services
    ["data"],                          # repositories and their routes (uses cache)
    ["jobs"],                          # job stores, workers and routes (uses data)
    ["openapi"],                       # the document, from data and jobs
    ["dashboard"],                     # the pages, from openapi
    ["app"],                           # wiring: everything
]
RANK = {folder: rank for rank, folders in enumerate(LAYERS) for folder in folders}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/')


def check(root: pathlib.Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in {".h", ".hpp", ".cpp", ".c"} or not path.is_file():
            continue
        relative = path.relative_to(root)
        if len(relative.parts) < 2:
            problems.append(f"{relative}: files belong in a layer's folder, not at the root")
            continue
        folder = relative.parts[0]
        if folder not in RANK:
            problems.append(f"{relative}: folder {folder}/ has no layer; add it to LAYERS in {sys.argv[0]}")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match or match.group(1) == folder:
                continue
            target = match.group(1)
            if target not in RANK:
                continue  # not a host folder (a library's own path)
            if RANK[target] >= RANK[folder]:
                problems.append(f"{relative}:{number}: {folder}/ (layer {RANK[folder]}) includes {target}/ "
                                f"(layer {RANK[target]}); a folder may only include lower layers")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parent.parent / "host" / "src"))
    root = pathlib.Path(parser.parse_args().root)
    if not root.is_dir():
        print(f"check-layers: {root} is not a folder", file=sys.stderr)
        return 2
    problems = check(root)
    for problem in problems:
        print(problem)
    print(f"check-layers: {len(problems)} problem(s) under {root}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
