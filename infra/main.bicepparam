// Parameters for infra/main.bicep. No secrets here. azd sets AZURE_ENV_NAME and AZURE_PRINCIPAL_ID (and the other
// variables below can be set with `azd env set NAME value`); with `az deployment group create`,
// export them in the shell or accept the defaults.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'serverlesspush')

param tableName = readEnvironmentVariable('PUSHGW_TABLE_NAME', 'pushgroups')

// 512, 2048 or 4096; any other value falls back to the platform default, 2048.
var instanceMemory = readEnvironmentVariable('PUSHGW_INSTANCE_MEMORY_MB', '2048')
param instanceMemoryMB = instanceMemory == '512' ? 512 : instanceMemory == '4096' ? 4096 : 2048

param maximumInstanceCount = int(readEnvironmentVariable('PUSHGW_MAXIMUM_INSTANCE_COUNT', '40'))

param alwaysReadyInstanceCount = int(readEnvironmentVariable('PUSHGW_ALWAYS_READY_INSTANCES', '0'))

param groupTtl = readEnvironmentVariable('PUSHGW_GROUP_TTL', '')

param expirySchedule = readEnvironmentVariable('PUSHGW_EXPIRY_SCHEDULE', '0 */5 * * * *')

// The deployer's object ID (azd sets it; with az: `az ad signed-in-user show --query id -o tsv`).
param deployerPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')

param keyVaultPurgeProtection = readEnvironmentVariable('PUSHGW_KEY_VAULT_PURGE_PROTECTION', 'false') == 'true'

// Monitoring (docs/operations.md): each part off unless set to 'true'.
param enableAlerts = readEnvironmentVariable('PUSHGW_ALERTS', 'false') == 'true'

param alertEmail = readEnvironmentVariable('PUSHGW_ALERT_EMAIL', '')

param enableAvailabilityTest = readEnvironmentVariable('PUSHGW_AVAILABILITY_TEST', 'false') == 'true'

param enableStorageDiagnostics = readEnvironmentVariable('PUSHGW_STORAGE_DIAGNOSTICS', 'false') == 'true'
