using System.Reflection;
using System.Text.RegularExpressions;
using ServerlessPush.Clients.Tests.Infrastructure;
using ServerlessPush.Core.Gateway;
using ServerlessPush.Http;
using ServerlessPush.Storage.Tables;

namespace ServerlessPush.Clients.Tests;

/// <summary>
/// What README.md says can be set exists: every `Gateway__…` of the settings table binds to an
/// options property, and the environment variables of run-local.sh's table are the ones it reads.
/// </summary>
public sealed partial class DocumentedSettingsTests
{
    /// <summary>The configuration sections the hosts bind, longest first (Gateway:Tables is not GatewayOptions.Tables).</summary>
    private static readonly (string Section, Type Options)[] Sections =
    [
        (TableStorageOptions.SectionName, typeof(TableStorageOptions)),
        (AccessOptions.SectionName, typeof(AccessOptions)),
        (GatewayOptions.SectionName, typeof(GatewayOptions)),
    ];

    public static TheoryData<string> SettingsTableNames => [.. SettingsTable()];

    [Fact]
    public void The_settings_table_is_found()
    {
        Assert.Contains("Gateway__Tables__ConnectionString", SettingsTable());
        Assert.Contains("Gateway__Access__AllowAnonymousRead", SettingsTable());
        Assert.Contains("Gateway__Limits__MaxLabelValueLength", SettingsTable());
        Assert.Contains("Gateway__Tables__Retry__NetworkTimeout", SettingsTable());
    }

    [Theory]
    [MemberData(nameof(SettingsTableNames))]
    public void Each_documented_setting_binds_to_an_options_property(string setting)
    {
        var key = setting.Replace("__", ":", StringComparison.Ordinal);
        var (section, type) = Sections.First(s => key.StartsWith(s.Section + ":", StringComparison.Ordinal));
        foreach (var segment in key[(section.Length + 1)..].Split(':'))
        {
            if (segment == "N" && (type.IsArray || type.IsAssignableTo(typeof(System.Collections.IEnumerable))) && type != typeof(string))
            {
                type = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
                continue;
            }
            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance);
            Assert.True(property is { CanWrite: true }, $"{setting}: {type.Name} has no settable property {segment}");
            type = property.PropertyType;
        }
    }

    [Fact]
    public void The_run_local_variables_are_the_ones_the_script_reads()
    {
        var script = Markdown.Read("run-local.sh");
        // An input is a variable the script takes from the environment with a default: X="${NAME:-…}".
        var read = ScriptInput().Matches(script).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        var readme = Markdown.Read("README.md");
        var start = readme.IndexOf("Its environment variables:", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no table of run-local.sh's environment variables");
        var documented = TableRow().Matches(readme[start..readme.IndexOf("\n\n", readme.IndexOf("| Variable", start, StringComparison.Ordinal), StringComparison.Ordinal)])
            .Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        Assert.Equal(read, documented);
        foreach (var name in read)
        {
            Assert.Contains($"{name}=", script[..script.IndexOf("set -euo", StringComparison.Ordinal)]); // and in its header
        }
    }

    /// <summary>The names in the first column of README.md's settings table, shorthand expanded.</summary>
    private static IEnumerable<string> SettingsTable()
    {
        var readme = Markdown.Read("README.md");
        var start = readme.IndexOf("\n## Configuration\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no Configuration section");
        var section = readme[start..readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal)];
        foreach (var row in section.Split('\n').Where(l => l.StartsWith("| `Gateway__", StringComparison.Ordinal)))
        {
            var names = InlineName().Matches(row.Split('|')[1]).Select(m => m.Groups[1].Value).ToList();
            var first = names[0];
            yield return first;
            var parent = first[..first.LastIndexOf("__", StringComparison.Ordinal)];
            var last = first[(parent.Length + 2)..];
            if (last == "N")
            {
                parent = parent[..parent.LastIndexOf("__", StringComparison.Ordinal)];
            }
            foreach (var name in names.Skip(1))
            {
                // `…Read` after `…AllowAnonymousPush`: the first's name with its last word replaced;
                // `MaxLabelValueLength` or `ReadKeys__N` after a full name: a sibling of it.
                yield return name.StartsWith('…')
                    ? $"{parent}__{LastWord().Replace(last, "")}{name[1..]}"
                    : $"{parent}__{name}";
            }
        }
    }

    [GeneratedRegex(@"\w+=""\$\{(\w+):-")]
    private static partial Regex ScriptInput();

    [GeneratedRegex(@"^\| `(\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex InlineName();

    [GeneratedRegex(@"[A-Z][a-z]*$")]
    private static partial Regex LastWord();
}
