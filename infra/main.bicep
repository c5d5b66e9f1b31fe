// ServerlessPush on Azure: a Prometheus Pushgateway as a Flex Consumption function app, with its
// groups in Table Storage, reached through a user-assigned managed identity. No platform keys: the
// storage account refuses shared keys and Application Insights refuses instrumentation keys. The
// gateway's own access keys live in Key Vault only; infra/hooks/postprovision.sh creates them once
// (azure.yaml runs it after `azd provision`), and the app reads them through Key Vault references.
//
//   azd up                                   (azure.yaml; azd sets AZURE_ENV_NAME/AZURE_LOCATION)
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
//
// Resource-group scope, so both commands deploy the same template.
targetScope = 'resourceGroup'

@description('Environment name (azd: AZURE_ENV_NAME). Seeds the unique suffix of every resource name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region of every resource; must offer Flex Consumption. Defaults to the resource group\'s region.')
param location string = resourceGroup().location

@description('Name of the table that holds the groups (Gateway__Tables__TableName).')
@minLength(3)
@maxLength(63)
param tableName string = 'pushgroups'

@description('Memory of each instance in MB: 512 (0.25 core), 2048 (1 core) or 4096 (2 cores). Execution time is billed per GB-second, so 512 is the cheapest.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Always-ready instances for the HTTP functions. 0 scales to zero (nothing billed at rest, cold first scrape); 1 keeps one instance warm and is billed around the clock.')
@minValue(0)
@maxValue(20)
param alwaysReadyInstanceCount int = 0

@description('Gateway__GroupTtl: delete a group this long after its last push (TimeSpan, e.g. 1.00:00:00 for a day). Empty: groups never expire, like the Pushgateway.')
param groupTtl string = ''

@description('Gateway__Expiry__Schedule: NCRONTAB schedule (six fields, UTC) of the expiry timer.')
param expirySchedule string = '0 */5 * * * *'

@description('Days that Log Analytics keeps logs and traces.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Object ID of the user or service principal that deploys (azd sets AZURE_PRINCIPAL_ID). Gets Key Vault Secrets Officer on the vault, to create, read and rotate the access keys. Empty: no such role.')
param deployerPrincipalId string = ''

@description('Purge protection on the Key Vault. Off: `azd down --purge` removes the vault and its name can be reused at once. On: cannot be turned off, and the name stays taken until the 90-day retention ends.')
param keyVaultPurgeProtection bool = false

@description('Alert rules on the rate of 5xx answers and on latency (and on the availability test, when it is on).')
param enableAlerts bool = false

@description('E-mail address the alerts notify; empty: no action group (alerts show in the portal only).')
param alertEmail string = ''

@description('A standard availability test on /-/ready (every 5 minutes from 3 locations).')
param enableAvailabilityTest bool = false

@description('Table service logs and transaction metrics of the storage account to the Log Analytics workspace (billed per GB).')
param enableStorageDiagnostics bool = false

var resourceToken = toLower(uniqueString(resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'serverlesspush'
}
var functionAppName = 'func-pushgw-${resourceToken}'

// The secrets that hold the access keys, created by infra/hooks/postprovision.sh (the tests check
// that it uses these names). Two per right: clients use `current`; `previous` keeps the old key valid
// during a rotation (docs/access.md) and otherwise holds a random key that nobody is given.
var accessKeySecretNames = {
  push: {
    current: 'gateway-push-key'
    previous: 'gateway-push-key-previous'
  }
  read: {
    current: 'gateway-read-key'
    previous: 'gateway-read-key-previous'
  }
  admin: {
    current: 'gateway-admin-key'
    previous: 'gateway-admin-key-previous'
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'id-pushgw-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-pushgw-${resourceToken}'
    applicationInsightsName: 'appi-pushgw-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'stpushgw${resourceToken}'
    location: location
    tags: tags
    tableName: tableName
    deploymentContainerName: 'app-package'
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'kv-pushgw-${resourceToken}'
    location: location
    tags: tags
    purgeProtection: keyVaultPurgeProtection
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    storageAccountName: storage.outputs.name
    tableName: storage.outputs.tableName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
    identityId: identity.outputs.id
    keyVaultName: keyVault.outputs.name
    deployerPrincipalId: deployerPrincipalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  // The host reaches storage, and the platform the vault, as soon as the app exists: grant the roles first.
  dependsOn: [
    rbac
  ]
  params: {
    name: functionAppName
    planName: 'plan-pushgw-${resourceToken}'
    location: location
    tags: tags
    azdServiceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    tableName: storage.outputs.tableName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyInstanceCount: alwaysReadyInstanceCount
    groupTtl: groupTtl
    expirySchedule: expirySchedule
    keyVaultUri: keyVault.outputs.vaultUri
    accessKeySecretNames: accessKeySecretNames
  }
}

module operations 'modules/operations.bicep' = {
  name: 'operations'
  params: {
    location: location
    tags: tags
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appHostName: functionApp.outputs.defaultHostName
    storageAccountName: storage.outputs.name
    enableAlerts: enableAlerts
    enableAvailabilityTest: enableAvailabilityTest
    enableStorageDiagnostics: enableStorageDiagnostics
    alertEmail: alertEmail
  }
}

@description('Name of the function app (for func azure functionapp publish).')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Base URL of the gateway: push to <GATEWAY_URL>/metrics/job/<job>.')
output GATEWAY_URL string = 'https://${functionApp.outputs.defaultHostName}'

@description('URL Prometheus scrapes.')
output SCRAPE_URL string = 'https://${functionApp.outputs.defaultHostName}/metrics'

@description('Name of the Key Vault that holds the access keys (read them with az keyvault secret show).')
output GATEWAY_VAULT_NAME string = keyVault.outputs.name
