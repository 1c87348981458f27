#!/usr/bin/env bash
# Installs the SDK of this build into a temp prefix, builds the template
# plugin out of tree with only that prefix, and checks what it exports.
# Usage: install_template_test.sh <build dir> <source dir> <output .so path>
set -euo pipefail
build=$1
source=$2
out=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --component sdk --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/include/wno/plugin.h"
test -f "$work/prefix/include/wno/sdk/sdk.hpp"
cp -r "$source/sdk/template" "$work/template"
cmake -S "$work/template" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
so="$work/build/wno_hello.so"
test -f "$so"
# Only the entry point may be exported by the plugin itself.
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" {print $3}')
if [[ "$exported" != "wno_plugin_entry_v1" ]]; then
  echo "unexpected exported functions: $exported"
  exit 1
fi
mkdir -p "$(dirname "$out")"
cp "$so" "$out"
echo "template plugin built out of tree against the installed SDK: $out"
