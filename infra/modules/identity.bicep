// The user-assigned managed identity the function app runs as. One identity for everything the
// app touches (host storage, the groups table, the deployment container, Application Insights),
// so its roles can be granted before the app first starts.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Resource ID of the identity.')
output id string = identity.id

@description('Client (application) ID: what the app and the host pass to Entra ID.')
output clientId string = identity.properties.clientId

@description('Object (principal) ID: what role assignments refer to.')
output principalId string = identity.properties.principalId
