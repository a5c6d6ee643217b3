#!/usr/bin/env bash
# Fails when a source file includes a module its own module must not
# depend on. The allowed dependencies are the layering of ARCHITECTURE.md:
# every module may include itself and the modules listed for it.
set -euo pipefail
src=${1:-src}

declare -A allowed=(
  [base]=""
  [io]="base"
  [model]="base"
  [text]="base io"
  [storage]="base io model"
  [logql]="base model"
  [query]="base model logql storage"
  [audit]="base io model storage"
  [wire]="base model"
  [ingest]="base io model text storage wire"
  [forward]="base io model text wire"
  [objstore]="base io"
  [jetstream]="base"
  [cluster]="base io model storage ingest objstore jetstream"
  [ruler]="base io model storage logql query wire"
  [transport]="base model ingest"
  [api]="base model storage logql query wire ingest transport ruler audit"
  [cli]="base io model text storage logql query wire ingest forward objstore jetstream cluster ruler transport api audit"
)
# Includes of another name that belong to a module: the protobuf messages
# generated from proto/*.proto are the wire module's.
declare -A module_of=(
  [proto]="wire"
)

status=0
while IFS= read -r -d '' file; do
  rel=${file#"$src"/}
  module=${rel%%/*}
  if [[ -z ${allowed[$module]+set} ]]; then
    echo "check-layers: $rel is in unknown module '$module' (add it to scripts/check-layers.sh)" >&2
    status=1
    continue
  fi
  while IFS= read -r included; do
    dep=${module_of[$included]:-$included}
    [[ $dep == "$module" ]] && continue
    [[ -z ${allowed[$dep]+set} ]] && continue  # not one of ours (e.g. a library header)
    permitted=" ${allowed[$module]} "
    if [[ $permitted != *" $dep "* ]]; then
      echo "check-layers: $rel includes $included/, but $module may depend only on: ${allowed[$module]:-nothing}" >&2
      status=1
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' "$file")
done < <(find "$src" -type f \( -name '*.h' -o -name '*.cc' \) -print0)
exit $status
