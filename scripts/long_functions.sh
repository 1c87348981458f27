#!/usr/bin/env bash
# Lists what is too long to read in one sitting in the production code
# (host/, plugins/, sdk/, plugin-api/, common/; tests, benchmarks and fuzz
# targets are not production): functions over MAX_FUNCTION_LINES lines, then
# files over MAX_FILE_LINES lines, longest first, one per line:
#   <lines>  <file>:<Class::function>     (functions)
#   <lines>  <file>                       (files)
#   scripts/long_functions.sh [REV]
#   REV  a commit to measure instead of the working tree (read with git archive)
#   MAX_FUNCTION_LINES=80  MAX_FILE_LINES=400
# Function spans come from universal-ctags (--fields=+ne: definition and end
# line), so a lambda counts towards the function that holds it.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_FUNCTION_LINES=${MAX_FUNCTION_LINES:-80}
MAX_FILE_LINES=${MAX_FILE_LINES:-400}
ROOTS=(host plugins sdk plugin-api common)

tree=.
if (($# > 0)); then
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' EXIT
  git archive "$1" -- $(git ls-tree --name-only "$1" -- "${ROOTS[@]}") | tar -x -C "$tree"
fi
cd "$tree"

sources() {
  local root
  for root in "${ROOTS[@]}"; do
    [[ -d $root ]] || continue
    find "$root" -type f \( -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' \) \
      -not -path '*/test/*' -not -path '*/tests/*' -not -path '*/bench/*' -not -path '*/fuzz/*' \
      -not -name '*_test.*' -not -name '*_bench.*' -not -name '*_fuzz.*'
  done | sort
}

echo "# functions over $MAX_FUNCTION_LINES lines"
# A function's span is its end line minus its definition line, plus one.
# Lambdas (ctags names them __anon...) are part of the function around them;
# namespaces (lower case here) are left out of the name, classes kept.
sources | xargs ctags -x --kinds-c++=f --kinds-c=f --fields=+ne \
  --_xformat='%{line}	%{end}	%{input}	%{scope}	%{name}' |
  awk -F'\t' -v max="$MAX_FUNCTION_LINES" '
    $5 ~ /^__anon/ || $2 == "" { next }
    {
      lines = $2 - $1 + 1
      if (lines <= max) next
      n = split($4, parts, "::"); name = ""
      for (i = 1; i <= n; i++) if (parts[i] ~ /^[A-Z]/) name = name parts[i] "::"
      printf "%5d  %s:%s%s\n", lines, $3, name, $5
    }' |
  sort -k1,1nr -k2

echo "# files over $MAX_FILE_LINES lines"
sources | xargs wc -l | awk -v max="$MAX_FILE_LINES" '$2 != "total" && $1 > max { printf "%5d  %s\n", $1, $2 }' |
  sort -k1,1nr -k2
