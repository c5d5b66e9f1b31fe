#!/bin/sh
# Rotates one of the gateway's access keys without a moment when clients are refused:
#   rotate-key.sh <push|read|admin> start    the current key becomes the previous one (still valid)
#                                            and a new random key becomes the current one
#   (give the new key to every client of that right, then)
#   rotate-key.sh <push|read|admin> finish   the previous key is replaced by a random one that nobody
#                                            holds, so the old key stops working
# Each step writes new secret versions and makes the app pick them up at once (docs/access.md).
# Reads the same variables as postprovision.sh (`azd env get-values` has them). Prints no key.
set -eu
. "$(dirname "$0")/access-keys.sh"

usage="usage: $0 <push|read|admin> <start|finish>"
[ $# -eq 2 ] || fail "$usage"
case " $ACCESS_KEY_RIGHTS " in
  *" $1 "*) right=$1 ;;
  *) fail "$usage" ;;
esac
current="gateway-$right-key"
previous="gateway-$right-key-previous"

load_settings

case $2 in
  start)
    get_secret "$current" "$workdir/key"
    put_secret "$previous" "$workdir/key"
    new_key "$workdir/key"
    put_secret "$current" "$workdir/key"
    echo "The $right key is new; the old one still works (secret $previous)."
    refresh_references
    echo "Give the new key to the clients:"
    echo "  az keyvault secret show --vault-name $vault --name $current --query value --output tsv"
    echo "Then retire the old one: $0 $right finish"
    ;;
  finish)
    new_key "$workdir/key"
    put_secret "$previous" "$workdir/key"
    echo "The previous $right key is replaced by a random one that nobody holds."
    refresh_references
    echo "The old $right key no longer works."
    ;;
  *) fail "$usage" ;;
esac
