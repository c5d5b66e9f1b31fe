#!/bin/sh
# A stand-in for the Azure CLI, for the hook script tests: it keeps a vault's secrets as files in
# $FAKE_AZ_STATE/secrets and answers the few commands the hooks use the way az does, including
# echoing a secret's value from `keyvault secret set` unless `--output none` is given. Every call's
# arguments are appended to $FAKE_AZ_STATE/calls. Knobs (files in $FAKE_AZ_STATE):
#   forbidden   number of `keyvault secret list` calls to refuse first (a role not applied yet)
#   unresolved  number of reference refreshes that report SecretNotFound first
#   references  the secret names the app's Key Vault references point to, one a line
#   signed-out  present: az is not signed in
set -eu
state=${FAKE_AZ_STATE:?}
mkdir -p "$state/secrets"
printf '%s\n' "$*" >> "$state/calls"

# Decrements the counter in file $1; succeeds while it was above zero.
take() {
  [ -f "$1" ] || return 1
  n=$(cat "$1")
  [ "$n" -gt 0 ] || return 1
  echo $((n - 1)) > "$1"
}

option() { # option NAME ARGS... -> the value after NAME
  want=$1
  shift
  while [ $# -gt 1 ]; do
    if [ "$1" = "$want" ]; then
      printf '%s' "$2"
      return 0
    fi
    shift
  done
  return 1
}

case "$1 $2" in
  "account show")
    if [ -f "$state/signed-out" ]; then
      echo "ERROR: Please run 'az login' to setup account." >&2
      exit 1
    fi
    echo 00000000-0000-0000-0000-0000000000aa
    ;;
  "keyvault secret")
    case $3 in
      list)
        if take "$state/forbidden"; then
          echo "ERROR: (Forbidden) Caller is not authorized to perform action on resource." >&2
          exit 1
        fi
        ls "$state/secrets"
        ;;
      set)
        name=$(option --name "$@")
        file=$(option --file "$@")
        cp "$file" "$state/secrets/$name"
        if ! option --output "$@" | grep -qx none; then
          printf '{"name": "%s", "value": "%s"}\n' "$name" "$(cat "$file")"
        fi
        ;;
      show)
        name=$(option --name "$@")
        [ -f "$state/secrets/$name" ] || { echo "ERROR: (SecretNotFound) $name" >&2; exit 1; }
        cat "$state/secrets/$name"
        echo
        ;;
      *) echo "fake az: unexpected: $*" >&2; exit 2 ;;
    esac
    ;;
  "rest --method")
    case "$*" in
      *"/config/configreferences/appsettings/refresh?"*)
        unresolved=false
        if take "$state/unresolved"; then unresolved=true; fi
        while read -r name; do
          if [ "$unresolved" = false ] && [ -f "$state/secrets/$name" ]; then echo Resolved; else echo SecretNotFound; fi
        done < "$state/references"
        ;;
      *) echo "fake az: unexpected: $*" >&2; exit 2 ;;
    esac
    ;;
  *) echo "fake az: unexpected: $*" >&2; exit 2 ;;
esac
