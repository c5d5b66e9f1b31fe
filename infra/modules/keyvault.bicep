// The Key Vault that holds the gateway's access keys. Authorization is Azure RBAC only (no access
// policies): the app's identity reads the secrets (Key Vault Secrets User, see rbac.bicep), the
// deployer writes them. The secrets are deliberately not declared here: infra/hooks/postprovision.sh
// creates each one once, so no key value ever passes through a deployment, and a redeploy never
// overwrites a key, nor undoes a rotation done in the vault.
//
// Public network access, as for the storage account: Flex Consumption cannot resolve Key Vault
// references to a network-restricted vault without virtual network integration. Every request
// still needs an Entra ID token and a data-plane role.

@description('Name of the vault: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the vault.')
param tags object

@description('Purge protection: a deleted vault or secret cannot be purged before its retention ends. Cannot be turned off again.')
param purgeProtection bool

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    // Soft delete is always on for new vaults; 90 days (the longest) to recover a deleted key.
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The API refuses false, so it is left out unless asked for.
    enablePurgeProtection: purgeProtection ? true : null
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

@description('Name of the vault.')
output name string = vault.name

@description('Data-plane URI of the vault, e.g. https://<name>.vault.azure.net/ (ends with a slash).')
output vaultUri string = vault.properties.vaultUri
