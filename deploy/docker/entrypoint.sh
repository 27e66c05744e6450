#!/bin/sh
# Every NAME_FILE=/path in the environment becomes NAME=<the file's contents>
# (the Docker and Kubernetes secrets convention), unless NAME is already set.
# Then the command runs in this process's place, so it receives the signals.
set -eu

for file_var in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*\)_FILE=.*$/\1_FILE/p'); do
  name=${file_var%_FILE}
  eval "path=\${$file_var}"
  eval "current=\${$name:-}"
  [ -n "$current" ] && continue
  if [ ! -r "$path" ]; then
    echo "Invalid configuration: $name: $file_var names $path, which cannot be read" >&2
    exit 78
  fi
  value=$(cat "$path")
  export "$name=$value"
done

exec "$@"
