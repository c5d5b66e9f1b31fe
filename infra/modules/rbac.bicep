// Every role assignment of the deployment, each at the narrowest scope that works: the app's
// identity gets four data-plane roles, the deployer one (optional). Management roles (Owner,
// Contributor) grant no data access, so these data-plane roles are all the app needs.

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the groups table.')
param tableName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Principal (object) ID of the app\'s user-assigned identity.')
param principalId string

@description('Resource ID of the app\'s user-assigned identity (keeps assignment names stable).')
param identityId string

@description('Name of the Key Vault that holds the access keys.')
param keyVaultName string

@description('Object ID of the user or service principal that deploys (azd: AZURE_PRINCIPAL_ID). Empty: no role for the deployer.')
param deployerPrincipalId string

// Built-in role definition IDs (the same in every tenant).
var roles = {
  // Read, write and delete entities: the gateway's groups.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Host storage: the timer's singleton lease and schedule monitor, host keys, and the deployment
  // package. Learn names Blob Data Owner as the minimum role for identity-based AzureWebJobsStorage.
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Send telemetry to an Application Insights component that has local auth disabled.
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Read secret values: what Key Vault references need.
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  // Read, create and rotate secrets: the deployer seeds the access keys and reads them.
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName

  resource tableService 'tableServices' existing = {
    name: 'default'

    resource table 'tables' existing = {
      name: tableName
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

// Scoped to the one table, not the account: the app cannot touch any other table.
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::tableService::table.id, identityId, roles.storageTableDataContributor)
  scope: account::tableService::table
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Scoped to the account: the host creates its own containers (azure-webjobs-hosts, -secrets).
resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, identityId, roles.storageBlobDataOwner)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Scoped to the vault, which holds nothing but the access keys. (Per-secret scopes are not possible:
// the secrets do not exist yet when this runs.)
resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// An RBAC vault gives even the subscription's Owner no data access: without this the deployer could
// neither create the keys (postprovision hook) nor read or rotate them. The principal may be a user
// or a service principal (CI), so principalType is left for Entra ID to resolve.
resource keyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
  }
}
