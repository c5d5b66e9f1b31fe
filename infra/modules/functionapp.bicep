// The Flex Consumption plan and the function app. Runtime, scale and deployment source live in
// functionAppConfig; Flex ignores (and deprecates) FUNCTIONS_WORKER_RUNTIME, linuxFxVersion,
// WEBSITE_RUN_FROM_PACKAGE and the WEBSITE_CONTENT* settings, so none of them appear here.
// Flex has no time-zone setting (WEBSITE_TIME_ZONE/TZ are unsupported): timers run in UTC.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to the plan and the app (the app also gets the azd service tag).')
param tags object

@description('azd service name in azure.yaml; azd finds the app by the azd-service-name tag.')
param azdServiceName string

@description('Resource ID of the user-assigned identity the app runs as.')
param identityId string

@description('Client ID of that identity.')
param identityClientId string

@description('Name of the storage account (host storage and the groups table).')
param storageAccountName string

@description('Blob endpoint of that account, ending with a slash.')
param blobEndpoint string

@description('Name of the blob container that holds deployment packages.')
param deploymentContainerName string

@description('Name of the groups table.')
param tableName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Memory of each instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int

@description('Upper bound on instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances for the HTTP functions (billed at rest).')
@minValue(0)
param alwaysReadyInstanceCount int

@description('Gateway__GroupTtl: how long a group lives after its last push (TimeSpan, e.g. 1.00:00:00). Empty: never expires.')
param groupTtl string

@description('Gateway__Expiry__Schedule: NCRONTAB (6 fields, UTC) of the expiry timer.')
param expirySchedule string

@description('Data-plane URI of the Key Vault that holds the access keys, ending with a slash.')
param keyVaultUri string

@description('Per right (push, read, admin), the names of the two secrets that hold its keys: { current, previous }. Clients use current; previous keeps the old key valid during a rotation.')
param accessKeySecretNames object

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// The gateway's access keys (AccessOptions, section Gateway:Access), two per right, as Key Vault
// references without a version (the trailing slash ends the URI with an empty version): the app reads
// the latest version, so a rotation needs no redeploy. The platform resolves them with
// keyVaultReferenceIdentity; the values never enter the template.
var accessKeySettings = flatten(map([
  { list: 'PushKeys', secrets: accessKeySecretNames.push }
  { list: 'ReadKeys', secrets: accessKeySecretNames.read }
  { list: 'AdminKeys', secrets: accessKeySecretNames.admin }
], right => [
  {
    name: 'Gateway__Access__${right.list}__0'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${right.secrets.current}/)'
  }
  {
    name: 'Gateway__Access__${right.list}__1'
    value: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${right.secrets.previous}/)'
  }
]))

// Optional settings are left out when empty, so the app's own defaults apply.
var optionalSettings = empty(groupTtl) ? [] : [
  {
    name: 'Gateway__GroupTtl'
    value: groupTtl
  }
]

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    // Key Vault references resolve with the user-assigned identity (the default is a system-assigned one, which this app has not).
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: [
          {
            name: 'http'
            instanceCount: alwaysReadyInstanceCount
          }
        ]
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // The whole collection is replaced on every deployment: every setting is declared here.
      appSettings: concat(
        [
          // Host storage, identity-based: no connection string, no key.
          {
            name: 'AzureWebJobsStorage__accountName'
            value: storageAccountName
          }
          {
            name: 'AzureWebJobsStorage__credential'
            value: 'managedidentity'
          }
          {
            name: 'AzureWebJobsStorage__clientId'
            value: identityClientId
          }
          // Telemetry: the connection string only locates the endpoint; ingestion needs the token.
          {
            name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
            value: appInsights.properties.ConnectionString
          }
          {
            name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
            value: 'Authorization=AAD;ClientId=${identityClientId}'
          }
          // The routes own "/" (empty route prefix); the host's default page must not.
          {
            name: 'AzureWebJobsDisableHomepage'
            value: 'true'
          }
          // DefaultAzureCredential picks the user-assigned identity with this.
          {
            name: 'AZURE_CLIENT_ID'
            value: identityClientId
          }
          // The gateway's own table client (TableStorageOptions, section Gateway:Tables).
          {
            name: 'Gateway__Tables__ServiceUri'
            value: 'https://${storageAccountName}.table.${environment().suffixes.storage}'
          }
          {
            name: 'Gateway__Tables__ManagedIdentityClientId'
            value: identityClientId
          }
          {
            name: 'Gateway__Tables__TableName'
            value: tableName
          }
          {
            name: 'Gateway__Expiry__Schedule'
            value: expirySchedule
          }
        ],
        accessKeySettings,
        optionalSettings
      )
    }
  }
}

// Deployments authenticate with Entra ID tokens (azd, Core Tools, az); no publishing passwords.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Name of the function app.')
output name string = app.name

@description('Default host name, e.g. <app>.azurewebsites.net.')
output defaultHostName string = app.properties.defaultHostName
