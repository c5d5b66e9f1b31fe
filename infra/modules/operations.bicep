// What an operator watches, each part optional: alert rules on the rate of 5xx answers and on
// latency (log queries over the requests the Functions host records in the workspace), a standard
// availability test on /-/ready with an alert, and the storage account's table logs and metrics in
// the Log Analytics workspace. docs/operations.md has the queries these rules run.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Host name of the function app (the availability test calls https://<host>/-/ready).')
param appHostName string

@description('Name of the storage account.')
param storageAccountName string

@description('Create the two alert rules (5xx rate, latency) and the availability test\'s alert.')
param enableAlerts bool

@description('Create the availability test on /-/ready.')
param enableAvailabilityTest bool

@description('Send the table service\'s logs (reads, writes, deletes) and transaction metrics to the workspace.')
param enableStorageDiagnostics bool

@description('E-mail address the alerts notify. Empty: the rules fire without an action group (they show in the portal).')
param alertEmail string

@description('Alert when more than this percentage of answers in 5 minutes are 5xx.')
@minValue(1)
@maxValue(100)
param errorRatePercent int = 5

@description('Alert when the 95th percentile of answer times over 5 minutes is above this, in milliseconds.')
@minValue(100)
param latencyP95Milliseconds int = 2000

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' existing = {
  parent: account
  name: 'default'
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (enableAlerts && !empty(alertEmail)) {
  name: 'ag-${applicationInsightsName}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'pushgw'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = enableAlerts && !empty(alertEmail) ? [actionGroup.id] : []

// 503s are the gateway's answer to a storage fault; a burst of them is what an operator must see first.
resource errorRateAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = if (enableAlerts) {
  name: 'alert-5xx-${applicationInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'ServerlessPush: 5xx answers above ${errorRatePercent}%'
    description: 'More than ${errorRatePercent}% of the gateway\'s answers in 5 minutes were 5xx (503 = storage unavailable or too slow).'
    severity: 2
    enabled: true
    scopes: [
      workspace.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'AppRequests | summarize Total = count(), Failed = countif(toint(ResultCode) >= 500) | where Total > 0 | extend FailedPercent = 100.0 * Failed / Total'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'FailedPercent'
          operator: 'GreaterThan'
          threshold: errorRatePercent
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actions
    }
  }
}

resource latencyAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = if (enableAlerts) {
  name: 'alert-latency-${applicationInsightsName}'
  location: location
  tags: tags
  properties: {
    displayName: 'ServerlessPush: p95 answer time above ${latencyP95Milliseconds} ms'
    description: 'The 95th percentile of the gateway\'s answer times over 5 minutes is above ${latencyP95Milliseconds} ms.'
    severity: 3
    enabled: true
    scopes: [
      workspace.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'AppRequests | summarize P95 = percentile(DurationMs, 95)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'P95'
          operator: 'GreaterThan'
          threshold: latencyP95Milliseconds
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actions
    }
  }
}

// /-/ready answers 200 only when storage answers too, and needs no key.
resource readyTest 'Microsoft.Insights/webtests@2022-06-15' = if (enableAvailabilityTest) {
  name: 'ready-${applicationInsightsName}'
  location: location
  tags: union(tags, {
    'hidden-link:${appInsights.id}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: 'ready-${applicationInsightsName}'
    Name: 'ServerlessPush /-/ready'
    Kind: 'standard'
    Enabled: true
    Frequency: 300
    Timeout: 30
    RetryEnabled: true
    Locations: [
      {
        Id: 'emea-nl-ams-azr'
      }
      {
        Id: 'emea-gb-db3-azr'
      }
      {
        Id: 'us-va-ash-azr'
      }
    ]
    Request: {
      RequestUrl: 'https://${appHostName}/-/ready'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource readyAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = if (enableAlerts && enableAvailabilityTest) {
  name: 'alert-ready-${applicationInsightsName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'The /-/ready availability test failed from 2 of its 3 locations: the gateway or its storage is down.'
    severity: 1
    enabled: true
    scopes: [
      readyTest.id
      appInsights.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: readyTest.id
      componentId: appInsights.id
      failedLocationCount: 2
    }
    actions: [for id in actions: {
      actionGroupId: id
    }]
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (enableStorageDiagnostics) {
  name: 'tables-to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
  }
}
