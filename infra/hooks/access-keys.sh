# Shared by postprovision.sh and rotate-key.sh (sourced; POSIX sh). Nothing here prints a key:
# values go from openssl (or from the vault) to a file only this user can read, and from there to
# the vault with `az keyvault secret set --file ... --output none` (the default output would echo
# the value), never through a command line, a variable or the terminal.

# The secrets the app settings in infra/main.bicep refer to, two per right: `current` is the key
# clients use, `previous` keeps the old key valid during a rotation. The tests check both lists agree.
ACCESS_KEY_RIGHTS='push read admin'
ACCESS_KEY_SECRETS='gateway-push-key gateway-push-key-previous gateway-read-key gateway-read-key-previous gateway-admin-key gateway-admin-key-previous'

# Role assignments made by the deployment take a few minutes to apply: retry, 20 x 15 s by default.
attempts=${PUSHGW_HOOK_ATTEMPTS:-20}
delay=${PUSHGW_HOOK_DELAY_SECONDS:-15}

fail() {
  printf '%s\n' "$*" >&2
  exit 1
}

# Reads the deployment's outputs (azd passes them to hooks as environment variables) and checks the tools.
load_settings() {
  for tool in az openssl; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is required (Azure CLI: https://aka.ms/azure-cli; run az login first)."
  done
  vault=${GATEWAY_VAULT_NAME:-}
  app=${AZURE_FUNCTION_APP_NAME:-}
  group=${AZURE_RESOURCE_GROUP:-}
  [ -n "$vault" ] && [ -n "$app" ] && [ -n "$group" ] ||
    fail "Set GATEWAY_VAULT_NAME, AZURE_FUNCTION_APP_NAME and AZURE_RESOURCE_GROUP (azd sets them; see README.md, Deploy to Azure)."
  # Fails fast when az is not signed in, rather than after the retries below.
  signed_in=$(az account show --query id --output tsv) || fail "The Azure CLI is not signed in: run az login."
  subscription=${AZURE_SUBSCRIPTION_ID:-$signed_in}
  app_id="/subscriptions/$subscription/resourceGroups/$group/providers/Microsoft.Web/sites/$app"

  umask 077
  workdir=$(mktemp -d) || fail "mktemp failed"
  trap 'rm -rf "$workdir"' EXIT
  trap 'exit 130' INT TERM
}

# Runs "$@" until it succeeds or the attempts are used up.
retry() {
  n=1
  until "$@"; do
    [ "$n" -lt "$attempts" ] || return 1
    printf '  not yet (%s/%s), trying again in %ss\n' "$n" "$attempts" "$delay" >&2
    n=$((n + 1))
    sleep "$delay"
  done
}

# The names of the secrets in the vault (names only: listing returns no values).
list_secrets() {
  az keyvault secret list --vault-name "$vault" --query '[].name' --output tsv > "$workdir/names"
}

# Writes 32 random bytes as 64 hex digits (no character that a header, URL or YAML file must escape) to $1.
new_key() {
  openssl rand -hex 32 > "$1.raw" || fail "openssl rand failed"
  tr -d '\r\n' < "$1.raw" > "$1"
  rm -f "$1.raw"
  [ "$(wc -c < "$1" | tr -d ' ')" -eq 64 ] || fail "openssl rand did not produce a key"
}

# Stores the file $2 as a new version of secret $1.
put_secret() {
  az keyvault secret set --vault-name "$vault" --name "$1" --file "$2" --encoding utf-8 --output none ||
    fail "Could not write secret $1 to $vault. If it was deleted, recover it: az keyvault secret recover --vault-name $vault --name $1"
  rm -f "$2"
}

# Copies the latest value of secret $1 to the file $2.
get_secret() {
  az keyvault secret show --vault-name "$vault" --name "$1" --query value --output tsv > "$2.raw" ||
    fail "Could not read secret $1 from $vault."
  tr -d '\r\n' < "$2.raw" > "$2"
  rm -f "$2.raw"
  [ -s "$2" ] || fail "Secret $1 in $vault is empty."
}

# Asks the platform to resolve the app's Key Vault references now (instead of within 24 hours) and
# succeeds when all of them, at least the six access keys, are resolved. An unresolved reference
# would reach the app as its own text, so the hook does not end before they resolve.
references_resolved() {
  az rest --method post --uri "$app_id/config/configreferences/appsettings/refresh?api-version=2024-11-01" \
    --query 'value[].properties.status' --output tsv > "$workdir/statuses" || return 1
  total=$(grep -c . "$workdir/statuses" || true)
  resolved=$(grep -cx 'Resolved' "$workdir/statuses" || true)
  [ "$total" -ge 6 ] && [ "$resolved" -eq "$total" ]
}

refresh_references() {
  echo "Waiting for the app's Key Vault references to resolve..."
  retry references_resolved || fail "The Key Vault references of $app did not resolve. See their status:
  az rest --method get --uri \"$app_id/config/configreferences/appsettings?api-version=2024-11-01\" --query \"value[].{setting:name, status:properties.status, details:properties.details}\" --output table
Then run this hook again: azd hooks run postprovision"
}

print_how_to_read() {
  cat <<EOF
The gateway's access keys are in Key Vault $vault. To read one (this prints the key):
  az keyvault secret show --vault-name $vault --name gateway-push-key --query value --output tsv
Secrets: gateway-push-key (push), gateway-read-key (read, scrape), gateway-admin-key (admin).
Rotate one with: infra/hooks/rotate-key.sh push|read|admin start|finish (docs/access.md).
EOF
}
