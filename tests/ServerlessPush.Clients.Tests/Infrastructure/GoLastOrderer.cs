using Xunit.Abstractions;
using Xunit.Sdk;

namespace ServerlessPush.Clients.Tests.Infrastructure;

/// <summary>Runs the Go cases last, so the one-off `go build` (started by the fixture) overlaps the other clients.</summary>
public sealed class GoLastOrderer : ITestCaseOrderer
{
    public const string TypeName = "ServerlessPush.Clients.Tests.Infrastructure.GoLastOrderer";
    public const string AssemblyName = "ServerlessPush.Clients.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(c => c.DisplayName.Contains("\"go\"", StringComparison.Ordinal)).ThenBy(c => c.DisplayName, StringComparer.Ordinal);
}
