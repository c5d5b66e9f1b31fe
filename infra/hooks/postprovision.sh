#!/bin/sh
# azd runs this after every `azd provision` (azure.yaml); after `az deployment group create`, run it
# yourself (README.md, Deploy to Azure). It creates each access-key secret that does not exist yet
# and leaves existing ones alone, so reprovisioning keeps the keys and never undoes a rotation.
# The values never pass through the deployment, the azd environment or the output: this prints
# where the keys are and how to read them, never a key.
set -eu
. "$(dirname "$0")/access-keys.sh"

load_settings

echo "Checking the access keys in Key Vault $vault..."
retry list_secrets || fail "Could not list the secrets of $vault. The deployer needs Key Vault Secrets Officer on it: deploy with AZURE_PRINCIPAL_ID set to your object ID (azd sets it), then run this hook again."

created=0
for name in $ACCESS_KEY_SECRETS; do
  if grep -qxF "$name" "$workdir/names"; then
    echo "  $name: exists, kept"
  else
    new_key "$workdir/key"
    put_secret "$name" "$workdir/key"
    created=$((created + 1))
    echo "  $name: created"
  fi
done
echo "$created new key(s)."

refresh_references
print_how_to_read
