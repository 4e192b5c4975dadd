#!/usr/bin/env bash
# Entry point the engine runs on a node: `run.sh <role> <step>`, the role's inputs as
# `export NAME='value'` lines on standard input (so no secret touches the disk or the process list).
set -euo pipefail
role=${1:?usage: run.sh <role> <step>}
step=${2:?usage: run.sh <role> <step>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
env_lines=$(cat)
# Only `export NAME='...'` lines are accepted: the engine writes them, this refuses anything else.
while IFS= read -r line; do
  [[ -z $line || $line =~ ^export\ [A-Z_][A-Z0-9_]*= ]] || { echo "run.sh: refusing input line: ${line%%=*}" >&2; exit 2; }
done <<<"$env_lines"
eval "$env_lines"
export LAB_PROVISION_DIR=$here
exec bash "$here/roles/$role.sh" "$step" </dev/null
