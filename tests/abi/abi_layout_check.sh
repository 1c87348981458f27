#!/bin/sh
# Usage: abi_layout_check.sh <dump built against frozen headers> <dump built against current headers>
# Fails when any field of the frozen minor moved, changed size or vanished.
set -eu
frozen=$("$1")
current=$("$2")
status=0
echo "$frozen" | while IFS= read -r line; do
  if ! printf '%s\n' "$current" | grep -qxF "$line"; then
    echo "ABI BREAK: frozen layout line not found in current headers: $line"
    exit 1
  fi
done || status=1
if [ "$status" -eq 0 ]; then
  echo "abi layout: all $(echo "$frozen" | wc -l) frozen fields of $(basename "$1") unchanged"
fi
exit $status
